import { describe, expect, test } from 'vitest';
import { MAX_ITEMS_PER_PAYLOAD, parseEnvelope } from '../../../../src/process/parse/index.js';
import { loadPayload } from '../../../fixtures/payloads/index.js';
import {
  cloudBody,
  fieldsIn,
  itemsOf,
  METADATA,
  messagesBody,
  reasonOf,
  single,
  statusesIn,
  textMessage,
} from './helpers.js';

describe('bodies the parser refuses, with a reason for the operator', () => {
  test('invalid JSON names the position and the problem, not the body', () => {
    expect(reasonOf('{"object":"whatsapp_business_account",}')).toBe(
      'invalid JSON at position 38: Expected double-quoted property name',
    );
    const reason = reasonOf('{"object": secret-customer-text}');
    expect(reason).toMatch(/^invalid JSON: Unexpected token/);
    expect(reason).not.toContain('secret-customer-text');
    const long = reasonOf(`{"a": y${'private'.repeat(100)}}`);
    expect(long).toBe("invalid JSON: Unexpected token 'y'");
  });

  test('a control character V8 quotes is written as an escape, so the reason can be stored anywhere', () => {
    expect(reasonOf('{"a":\u0000}')).toBe("invalid JSON: Unexpected token '\\u0000'");
    expect(reasonOf('{"a":\u0007}')).toBe("invalid JSON: Unexpected token '\\u0007'");
  });

  test('an empty body is refused as empty', () => {
    expect(reasonOf(Buffer.alloc(0))).toBe('invalid JSON: the body is empty');
    expect(reasonOf('  \n')).toBe('invalid JSON: the body is empty');
  });

  test('JSON that is not an object is refused with what it is', () => {
    expect(reasonOf('[]')).toBe('not a JSON object: the body is an array');
    expect(reasonOf('"text"')).toBe('not a JSON object: the body is a string');
    expect(reasonOf('null')).toBe('not a JSON object: the body is null');
  });

  test('an object of neither shape is refused and its keys are listed', () => {
    expect(reasonOf('{"hello":"world","object":"page"}')).toBe(
      'unknown shape: no "entry" array and no top-level messages/statuses/errors/contacts (keys: hello, object)',
    );
    expect(reasonOf('{}')).toMatch(/\(keys: none\)$/);
  });

  test('a broken skeleton names the path that is wrong', () => {
    expect(reasonOf('{"object":"whatsapp_business_account","entry":{}}')).toMatch(
      /^malformed envelope: entry: /,
    );
    expect(reasonOf(JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1' }] }))).toMatch(
      /^malformed envelope: entry\[0\]\.changes: .*expected array/,
    );
    const noField = { object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ value: {} }] }] };
    expect(reasonOf(JSON.stringify(noField))).toMatch(
      /^malformed envelope: entry\[0\]\.changes\[0\]\.field: /,
    );
    const arrayValue = {
      object: 'whatsapp_business_account',
      entry: [{ changes: [{ field: 'messages', value: [] }] }],
    };
    expect(reasonOf(JSON.stringify(arrayValue))).toBe(
      'malformed envelope: entry[0].changes[0].value: expected an object',
    );
  });

  test('nesting far beyond any WhatsApp payload is refused instead of overflowing the stack', () => {
    const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    expect(reasonOf(deep)).toBe('nested deeper than 64 levels; WhatsApp payloads are far shallower');
  });

  describe('a control character in a value that becomes a key or column of the store', () => {
    const status = { id: 'wamid.S1', status: 'sent', timestamp: '1767262000', recipient_id: '4915112345678' };
    const message = { from: '4915112345678', id: 'wamid.M1', timestamp: '1767262000', type: 'text' };
    const cases: [string, string, RegExp][] = [
      [
        'a status id',
        cloudBody({ metadata: METADATA, statuses: [{ ...status, id: 'wamid.\u0000' }] }),
        /item 0 \(status\): id "wamid\.\\u0000"/,
      ],
      [
        'a status word',
        cloudBody({ metadata: METADATA, statuses: [{ ...status, status: 'read\u0007' }] }),
        /status "read\\u0007"/,
      ],
      [
        'a message id',
        cloudBody({ metadata: METADATA, messages: [{ ...message, id: 'wamid.\u0000' }] }),
        /item 0 \(message\): id/,
      ],
      [
        'a sender',
        cloudBody({ metadata: METADATA, messages: [{ ...message, from: '49\u0000' }] }),
        /\(message\): from "49\\u0000"/,
      ],
      [
        'the phone number id',
        cloudBody({ metadata: { ...METADATA, phone_number_id: '1\u0000' }, statuses: [status] }),
        /phone_number_id "1\\u0000"/,
      ],
      [
        'the WABA id',
        cloudBody({ metadata: METADATA, statuses: [status] }, { wabaId: '10\u001f2' }),
        /the WABA id "10\\u001f2"/,
      ],
      [
        'a field name',
        cloudBody({ x: 1 }, { field: 'templates\u0000' }),
        /item 0 \(field\): field "templates\\u0000"/,
      ],
    ];
    test.each(cases)(
      'refuses the body for %s, naming it with the character escaped',
      (_what, body, expected) => {
        const reason = reasonOf(body);
        expect(reason).toMatch(expected);
        expect(reason).toMatch(/which WhatsApp identifiers never do$/);
        expect([...reason].filter((char) => char.charCodeAt(0) < 0x20)).toEqual([]);
      },
    );

    test('but not in free text, which is kept as written', () => {
      const body = cloudBody({ metadata: METADATA, messages: [{ ...message, text: { body: 'a\u0000b' } }] });
      expect(parseEnvelope(body).ok).toBe(true);
    });

    test('a reason quoting the body writes its control characters as escapes', () => {
      expect(reasonOf(JSON.stringify({ 'odd\u0000key': 1 }))).toBe(
        'unknown shape: no "entry" array and no top-level messages/statuses/errors/contacts (keys: odd\\u0000key)',
      );
    });
  });

  test('the nesting limit counts objects and arrays alike: 64 levels pass, 65 do not', () => {
    const nested = (levels: number) => {
      let value: unknown = 1;
      for (let level = 1; level < levels; level++) value = level % 2 === 0 ? [value] : { a: value };
      return JSON.stringify({ object: 'whatsapp_business_account', entry: [], deep: value });
    };
    const limitReason = 'nested deeper than 64 levels; WhatsApp payloads are far shallower';
    expect(parseEnvelope(nested(64)).ok).toBe(true);
    expect(reasonOf(nested(65))).toBe(limitReason);
  });

  test('more than ten thousand items in one payload are refused before any is parsed', () => {
    const statuses = Array.from({ length: MAX_ITEMS_PER_PAYLOAD + 1 }, (_, i) => ({
      id: `w${i}`,
      status: 'sent',
    }));
    expect(reasonOf(cloudBody({ metadata: METADATA, statuses }))).toBe(
      'too many items: 10001 in one payload, limit 10000 (Meta sends at most 1000 per batch)',
    );
    expect(reasonOf(JSON.stringify({ statuses }))).toMatch(/^too many items: 10001/);
  });
});

describe('bodies the parser reads', () => {
  test('a 1000-item batch yields 1000 items with distinct ids', () => {
    const messages = Array.from({ length: 1000 }, (_, i) => textMessage({ id: `wamid.BATCH${i}` }));
    const items = itemsOf(messagesBody(messages));
    expect(items).toHaveLength(1000);
    expect(new Set(items.map((item) => item.eventId)).size).toBe(1000);
  });

  test('exactly the limit is still parsed', () => {
    const statuses = Array.from({ length: MAX_ITEMS_PER_PAYLOAD }, (_, i) => ({
      id: `w${i}`,
      status: 'sent',
      timestamp: '1',
    }));
    expect(statusesIn(itemsOf(cloudBody({ metadata: METADATA, statuses })))).toHaveLength(
      MAX_ITEMS_PER_PAYLOAD,
    );
  });

  test('every entry and every change is read, not only the first', () => {
    const entry = (id: string, wamids: string[]) => ({
      id,
      changes: wamids.map((wamid) => ({
        field: 'messages',
        value: { metadata: METADATA, statuses: [{ id: wamid, status: 'read', timestamp: '5' }] },
      })),
    });
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [entry('1', ['a', 'b']), entry('2', ['c'])],
    });
    expect(statusesIn(itemsOf(body)).map((s) => [s.wabaId, s.wamid])).toEqual([
      ['1', 'a'],
      ['1', 'b'],
      ['2', 'c'],
    ]);
  });

  test('an envelope for another object type is still parsed, and flagged', () => {
    const body = JSON.stringify({
      object: 'page',
      entry: [{ id: '9', changes: [{ field: 'feed', value: {} }] }],
    });
    const outcome = parseEnvelope(body);
    expect(outcome).toMatchObject({ ok: true, format: 'cloud', flags: ['unexpected_object:page'] });
    const missing = parseEnvelope(JSON.stringify({ entry: [] }));
    expect(missing).toMatchObject({ ok: true, flags: ['unexpected_object:missing'] });
    expect(parseEnvelope(loadPayload('status-sent'))).toMatchObject({ ok: true, flags: [] });
  });

  test('a messages change holding only unknown keys yields one flagged field item, not nothing', () => {
    const field = single(
      fieldsIn(itemsOf(cloudBody({ metadata: METADATA, polls: [{ id: 1 }], zeta: true }))),
    );
    expect(field).toMatchObject({
      field: 'messages',
      known: true,
      phoneNumberId: METADATA.phone_number_id,
      flags: ['no_messages_statuses_or_errors', 'unknown_fields:polls,zeta'],
      value: { polls: [{ id: 1 }], zeta: true },
    });
  });

  test('unknown keys beside readable items flag each item instead of adding one', () => {
    const items = itemsOf(messagesBody([textMessage()], { novelty: 1 }));
    expect(single(items).flags).toEqual(['unknown_value_fields:novelty']);
  });

  test('a string body and a Buffer body with a byte-order mark parse alike', () => {
    const text = loadPayload('status-sent').toString('utf8');
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    expect(itemsOf(withBom)).toEqual(itemsOf(text));
  });
});
