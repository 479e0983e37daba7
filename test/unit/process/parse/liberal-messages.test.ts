import { describe, expect, test } from 'vitest';
import { MISSING_ERROR_CODE, parseEnvelope } from '../../../../src/process/parse/index.js';
import {
  cloudBody,
  errorsIn,
  fieldsIn,
  itemsOf,
  METADATA,
  messagesBody,
  messagesIn,
  parseOne,
  single,
  statusesIn,
  textMessage,
} from './helpers.js';

describe('what the parser tolerates in messages', () => {
  test('a leading + on from is dropped, and numeric timestamps and ids are accepted', () => {
    const message = parseOne(textMessage({ from: '+4915112345678', timestamp: 1767261600 }));
    expect(message.from.waId).toBe('4915112345678');
    expect(message.timestamp).toBe(1767261600);
  });

  test('a BSUID-only message with no wa_id and no contacts still names its sender', () => {
    const message = parseOne({
      id: 'wamid.B',
      from_user_id: 'US.13491208655302741918',
      from_parent_user_id: 'US.ENT.11815799212886844830',
      timestamp: '1',
      type: 'text',
      text: { body: 'hi' },
    });
    expect(message.from).toEqual({
      waId: null,
      userId: 'US.13491208655302741918',
      parentUserId: 'US.ENT.11815799212886844830',
      name: null,
      username: null,
    });
  });

  test('the contact is joined by wa_id among several, never by position', () => {
    const contacts = [
      { wa_id: '111', profile: { name: 'One' } },
      { wa_id: '222', profile: { name: 'Two' } },
    ];
    const items = messagesIn(
      itemsOf(
        messagesBody([textMessage({ id: 'a', from: '222' }), textMessage({ id: 'b', from: '333' })], {
          contacts,
        }),
      ),
    );
    expect(items.map((m) => m.from.name)).toEqual(['Two', null]);
  });

  test('a lone contact whose wa_id differs from the sender number still names the sole sender', () => {
    const message = parseOne(textMessage({ from: '5511912345678' }), {
      contacts: [{ wa_id: '551112345678', profile: { name: 'Ana' } }],
    });
    expect(message.from).toMatchObject({ waId: '5511912345678', name: 'Ana' });
  });

  test('an unknown type is kept whole and flagged, never dropped', () => {
    const raw = textMessage({ type: 'poll', text: undefined, poll: { question: 'Lunch?' } });
    const message = parseOne(raw);
    expect(message.type).toBe('poll');
    expect(message.content).toEqual({ kind: 'unknown', type: 'poll', raw: JSON.parse(JSON.stringify(raw)) });
    expect(message.flags).toEqual(['unknown_message_type:poll']);
  });

  test('keys we do not know on a message are named in a flag', () => {
    const message = parseOne(textMessage({ foo: 1, bar: { x: 1 } }));
    expect(message.flags).toEqual(['unknown_fields:bar,foo']);
    expect(message.content).toEqual({ kind: 'text', body: 'hello' });
  });

  test('an unknown __proto__ key keeps its value in unparsed, as data and not as a prototype', () => {
    // Built as text: JSON.stringify of an object literal cannot write an own __proto__ key.
    const body = messagesBody([textMessage({ PROTO: 0 }), textMessage({ id: 'wamid.P2', PROTO: 1 })])
      .replace('"PROTO":0', '"__proto__":{"polluted":true}')
      .replace('"PROTO":1', '"__proto__":"text"');
    const [withObject, withText] = messagesIn(itemsOf(body));
    for (const [message, value] of [
      [withObject, { polluted: true }],
      [withText, 'text'],
    ] as const) {
      expect(message?.flags).toEqual(['unknown_fields:__proto__']);
      expect(Object.getOwnPropertyDescriptor(message?.unparsed ?? {}, '__proto__')?.value).toEqual(value);
    }
    expect(JSON.stringify(withObject?.unparsed)).toBe('{"__proto__":{"polluted":true}}');
    expect(Object.getPrototypeOf(withObject?.unparsed ?? null)).toBe(Object.prototype);
  });

  test('a known type without its payload is flagged and still emitted', () => {
    const message = parseOne({ id: 'wamid.I', from: '1', timestamp: '1', type: 'interactive' });
    expect(message.content).toEqual({
      kind: 'interactive',
      reply: { type: 'unknown', interactiveType: null, raw: null },
    });
    expect(message.flags).toEqual(['missing_payload:interactive', 'unknown_interactive_type:missing']);
  });

  test('a payload of the wrong shape is flagged as malformed', () => {
    const message = parseOne(textMessage({ text: 'just a string' }));
    expect(message.content).toEqual({ kind: 'text', body: null });
    expect(message.flags).toEqual(['malformed_payload:text', 'wrong_type:text']);
    expect(message.unparsed).toEqual({ text: 'just a string' });
  });

  test('a Flow response that is not JSON keeps the raw string and is flagged', () => {
    const message = parseOne({
      id: 'wamid.F',
      type: 'interactive',
      interactive: { type: 'nfm_reply', nfm_reply: { name: 'flow', response_json: '{not json' } },
    });
    expect(message.content).toMatchObject({
      reply: { type: 'nfm_reply', responseJson: '{not json', response: null },
    });
    expect(message.flags).toEqual(['invalid_flow_response_json']);
  });

  test('order numbers sent as strings are read as numbers', () => {
    const message = parseOne({
      id: 'wamid.O',
      type: 'order',
      order: {
        catalog_id: 5,
        product_items: [{ product_retailer_id: 'S', quantity: '3', item_price: '8.90' }],
      },
    });
    expect(message.content).toEqual({
      kind: 'order',
      catalogId: '5',
      text: null,
      items: [{ productRetailerId: 'S', quantity: 3, itemPrice: 8.9, currency: null }],
    });
  });

  test('the older type name unknown reads as unsupported', () => {
    const message = parseOne({ id: 'wamid.U', type: 'unknown', errors: [{ code: 131051, title: 'x' }] });
    expect(message.content).toEqual({ kind: 'unsupported', unsupportedType: null });
    expect(message.errors[0]?.code).toBe(131051);
    expect(message.flags).toEqual([]);
  });

  test('an edit carries the new content; a nested edit is flagged, not followed', () => {
    const edit = parseOne({
      id: 'wamid.E',
      type: 'edit',
      edit: { original_message_id: 'wamid.OLD', message: { type: 'text', text: { body: 'fixed' } } },
    });
    expect(edit.content).toEqual({
      kind: 'edit',
      originalMessageId: 'wamid.OLD',
      edited: { kind: 'text', body: 'fixed' },
    });
    const nested = parseOne({ id: 'wamid.N', type: 'edit', edit: { message: { type: 'edit', edit: {} } } });
    expect(nested.flags).toEqual(['nested_edit']);
  });

  test('group messages carry their group id, and a missing timestamp reads as null', () => {
    const message = parseOne(textMessage({ group_id: '120363041234567890', timestamp: undefined }));
    expect(message).toMatchObject({ groupId: '120363041234567890', timestamp: null });
  });

  test('a message without an id, or that is not an object, becomes a flagged field item', () => {
    const items = itemsOf(messagesBody([textMessage({ id: undefined }), 42]));
    expect(fieldsIn(items).map((f) => [f.field, f.flags, f.value])).toEqual([
      [
        'messages',
        ['malformed_message:missing_id'],
        JSON.parse(JSON.stringify(textMessage({ id: undefined }))),
      ],
      ['messages', ['malformed_message:not_an_object'], 42],
      // No item could carry the value's own keys, so they travel in one event of their own.
      ['messages', ['no_readable_items'], { messaging_product: 'whatsapp', metadata: METADATA }],
    ]);
  });

  test('an items key that is not an array becomes a flagged field item', () => {
    const fields = fieldsIn(itemsOf(cloudBody({ metadata: METADATA, messages: { id: 'x' } })));
    expect(fields.map((f) => f.flags)).toEqual([['malformed_messages:not_an_array'], ['no_readable_items']]);
  });

  test("empty arrays pass the value's contacts on in one flagged event instead of none", () => {
    const contact = { profile: { name: 'Ole' }, wa_id: '4917000000001' };
    const field = single(
      fieldsIn(itemsOf(cloudBody({ metadata: METADATA, contacts: [contact], messages: [], statuses: [] }))),
    );
    expect(field).toMatchObject({
      flags: ['no_readable_items'],
      value: { metadata: METADATA, contacts: [contact] },
      phoneNumberId: METADATA.phone_number_id,
    });
  });
});

describe('what the parser tolerates in statuses and errors', () => {
  const parseStatuses = (statuses: unknown[]) =>
    statusesIn(itemsOf(cloudBody({ metadata: METADATA, statuses })));

  test('unknown status words are kept, lower-cased', () => {
    const statuses = parseStatuses([
      { id: 'a', status: 'DELETED', timestamp: '1' },
      { id: 'b', status: 'warning', timestamp: '2' },
    ]);
    expect(statuses.map((s) => s.status)).toEqual(['deleted', 'warning']);
  });

  test('a BSUID send names the recipient by user ids without a phone number', () => {
    const [status] = parseStatuses([
      {
        id: 'a',
        status: 'sent',
        timestamp: '1',
        recipient_user_id: 'DE.1',
        recipient_parent_user_id: 'DE.ENT.2',
      },
    ]);
    expect(status?.recipient).toMatchObject({
      waId: null,
      recipientId: null,
      userId: 'DE.1',
      parentUserId: 'DE.ENT.2',
    });
  });

  test('a status without a timestamp is kept at zero and flagged', () => {
    const [status] = parseStatuses([{ id: 'a', status: 'read' }]);
    expect(status).toMatchObject({ timestamp: 0, flags: ['missing_timestamp'] });
  });

  test('a timestamp no date can hold reads as missing, so the body is processed, not retried', () => {
    // The value no date can hold is kept, as sent, in `unparsed`.
    const [status] = parseStatuses([{ id: 'a', status: 'read', timestamp: '99999999999999' }]);
    expect(status).toMatchObject({
      timestamp: 0,
      flags: ['wrong_type:timestamp', 'missing_timestamp'],
      unparsed: { timestamp: '99999999999999' },
    });
    const [negative] = parseStatuses([{ id: 'b', status: 'sent', timestamp: -5 }]);
    expect(negative).toMatchObject({ timestamp: 0, flags: ['wrong_type:timestamp', 'missing_timestamp'] });
    const outcome = parseEnvelope(messagesBody([textMessage({ timestamp: '99999999999999' })]));
    expect(outcome.ok && outcome.items[0]?.kind === 'message' && outcome.items[0].timestamp).toBeNull();
  });

  test('a status without an id or a status word becomes a flagged field item', () => {
    const items = itemsOf(
      cloudBody({ metadata: METADATA, statuses: [{ status: 'read' }, { id: 'a', status: ' ' }] }),
    );
    expect(fieldsIn(items).map((f) => f.flags)).toEqual([
      ['malformed_status:missing_id'],
      ['malformed_status:missing_status'],
      ['no_readable_items'],
    ]);
  });

  test('an error without a usable code is still reported, with a flag', () => {
    const item = single(errorsIn(itemsOf(cloudBody({ metadata: METADATA, errors: [{ title: 'odd' }] }))));
    expect(item.error).toEqual({
      code: MISSING_ERROR_CODE,
      title: 'odd',
      message: null,
      details: null,
      href: null,
    });
    expect(item.flags).toEqual(['missing_error_code']);
  });
});
