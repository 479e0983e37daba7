import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { canonicalJson, eventIdFor } from '../../../src/events/ids.js';
import { loadPayload } from '../../fixtures/payloads/index.js';
import {
  cloudBody,
  errorsIn,
  fixtureItems,
  itemsOf,
  METADATA,
  single,
  statusesIn,
  updatesIn,
} from '../process/parse/helpers.js';

describe('eventIdFor', () => {
  test('is evt_ and 26 lowercase base32 characters', () => {
    expect(eventIdFor('message', ['wamid.X'])).toMatch(/^evt_[a-z2-7]{26}$/);
  });

  test('gives the same id for the same parts and a different one for another kind', () => {
    expect(eventIdFor('status', ['w', 'read', '1'])).toBe(eventIdFor('status', ['w', 'read', '1']));
    expect(eventIdFor('message', ['w'])).not.toBe(eventIdFor('field', ['w']));
  });

  test('cannot be collided by moving a separator between parts', () => {
    expect(eventIdFor('field', ['a|b', 'c'])).not.toBe(eventIdFor('field', ['a', 'b|c']));
    expect(eventIdFor('field', ['a", "b'])).not.toBe(eventIdFor('field', ['a', 'b']));
    expect(eventIdFor('field', ['ab'])).not.toBe(eventIdFor('field', ['a', 'b']));
  });

  test('has a known answer, so ids stay stable across releases', () => {
    expect(eventIdFor('message', ['wamid.TEST1'])).toBe(single(fixtureItems('text-escaped-unicode')).eventId);
    expect(eventIdFor('message', ['wamid.TEST1'])).toBe('evt_5qw4ubl4fpjkoisnp7b4wxg372');
  });

  test('is the first 26 RFC 4648 base32 characters of the SHA-256 of the parts as JSON', () => {
    // The definition, written the slow way: ids must never change between releases (dedupe).
    const reference = (kind: string, parts: string[]) => {
      const digest = createHash('sha256')
        .update(JSON.stringify([kind, ...parts]))
        .digest();
      const bits = [...digest].map((byte) => byte.toString(2).padStart(8, '0')).join('');
      const chars = bits.match(/.{5}/g)!.map((five) => 'abcdefghijklmnopqrstuvwxyz234567'[parseInt(five, 2)]);
      return `evt_${chars.join('').slice(0, 26)}`;
    };
    fc.assert(
      fc.property(
        fc.constantFrom('message', 'status', 'error', 'field'),
        fc.array(fc.string()),
        (kind, parts) => {
          expect(eventIdFor(kind as 'message', parts)).toBe(reference(kind, parts));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('canonicalJson', () => {
  test('sorts keys at every depth, so key order does not change a hash', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}',
    );
  });

  test('keeps a __proto__ key as data', () => {
    expect(canonicalJson(JSON.parse('{"__proto__":{"x":1},"a":2}'))).toBe('{"__proto__":{"x":1},"a":2}');
  });
});

describe('ids of parsed items', () => {
  test('an inbound message is identified by its wamid alone', () => {
    const message = single(fixtureItems('text-escaped-unicode'));
    expect(message.eventId).toBe(eventIdFor('message', ['wamid.TEST1']));
  });

  test('a status is identified by wamid, status word and timestamp', () => {
    const status = single(statusesIn(fixtureItems('status-sent')));
    expect(status.eventId).toBe(eventIdFor('status', [status.wamid, 'sent', '1767262000']));
  });

  test('a re-sent body and a copy with its keys reordered give the same ids', () => {
    const original = loadPayload('field-template-status');
    const reordered = JSON.stringify(JSON.parse(original.toString()), (_key, value: unknown) =>
      value && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).reverse())
        : value,
    );
    expect(itemsOf(reordered).map((i) => i.eventId)).toEqual(itemsOf(original).map((i) => i.eventId));
  });

  test('the same field content under another WABA gets another id', () => {
    const value = { event: 'APPROVED', message_template_id: 7, message_template_name: 'n' };
    const here = single(
      updatesIn(itemsOf(cloudBody(value, { field: 'message_template_status_update', time: 5 }))),
    );
    const elsewhere = single(
      updatesIn(
        itemsOf(cloudBody(value, { field: 'message_template_status_update', time: 5, wabaId: '999' })),
      ),
    );
    expect(elsewhere.eventId).not.toBe(here.eventId);
  });

  test('an edited field value gets another id, and so does the same value at a later time', () => {
    const field = 'message_template_status_update';
    const idOf = (value: Record<string, unknown>, time: number) =>
      single(updatesIn(itemsOf(cloudBody(value, { field, time })))).eventId;
    const approved = { event: 'APPROVED', message_template_id: 7 };
    expect(idOf(approved, 5)).toBe(idOf({ ...approved }, 5));
    expect(idOf({ ...approved, event: 'PAUSED' }, 5)).not.toBe(idOf(approved, 5));
    expect(idOf(approved, 6)).not.toBe(idOf(approved, 5));
  });

  test('value-level errors differ by WABA, by phone number and by position', () => {
    const value = { metadata: METADATA, errors: [{ code: 131000 }, { code: 131000 }] };
    const [first, second] = errorsIn(itemsOf(cloudBody(value)));
    expect(first?.eventId).not.toBe(second?.eventId);
    const otherWaba = errorsIn(itemsOf(cloudBody(value, { wabaId: '999' })));
    expect(otherWaba[0]?.eventId).not.toBe(first?.eventId);
    const otherNumber = { ...value, metadata: { ...METADATA, phone_number_id: '1' } };
    expect(errorsIn(itemsOf(cloudBody(otherNumber)))[0]?.eventId).not.toBe(first?.eventId);
    expect(errorsIn(itemsOf(cloudBody(value)))[0]?.eventId).toBe(first?.eventId);
  });

  test('a reaction and its removal under one reused wamid are distinct events', () => {
    const reaction = (emoji?: string) => ({
      id: 'wamid.REUSED',
      type: 'reaction',
      timestamp: '1',
      reaction: emoji === undefined ? { message_id: 'm' } : { message_id: 'm', emoji },
    });
    const ids = [reaction('👍'), reaction(), reaction('')].map(
      (message) => single(itemsOf(cloudBody({ metadata: METADATA, messages: [message] }))).eventId,
    );
    expect(ids[0]).not.toBe(ids[1]);
    expect(ids[1]).toBe(ids[2]);
  });
});
