import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  fieldEvent,
  messageEchoEvent,
  messageReceivedEvent,
  messageStatusEvent,
  updateEvent,
  whatsappErrorEvent,
} from '../../../src/process/build-events.js';
import { ECHO_FIELDS } from '../../../src/process/parse/echo.js';
import type { ParsedItem, ParsedMessage } from '../../../src/process/parse/index.js';
import { TYPED_FIELDS } from '../../../src/process/parse/update.js';
import { loadPayload, payloadNames } from '../../fixtures/payloads/index.js';
import {
  cloudBody,
  itemsOf,
  METADATA,
  messagesIn,
  parseOne,
  single,
  statusesIn,
  textMessage,
} from './parse/helpers.js';

describe('nothing in a message is dropped without a flag', () => {
  test('unknown keys below the top level are kept under their path and named', () => {
    const message = parseOne({
      ...textMessage({ context: { id: 'wamid.Q', mentions: [{ wa_id: '49151' }] } }),
    });
    expect(message.unparsed).toEqual({ 'context.mentions': [{ wa_id: '49151' }] });
    expect(message.flags).toEqual(['unknown_fields:context.mentions']);

    const sticker = parseOne({
      id: 'wamid.S',
      from: '1',
      type: 'sticker',
      sticker: { id: 'm1', mime_type: 'image/webp', animated: false, metadata: { emojis: ['x'] } },
    });
    expect(sticker.unparsed).toEqual({ 'sticker.metadata': { emojis: ['x'] } });

    const card = parseOne({
      id: 'wamid.C',
      from: '1',
      type: 'contacts',
      contacts: [{ name: { formatted_name: 'A' }, ims: [{ service: 'x' }] }],
    });
    expect(card.unparsed).toEqual({ 'contacts[0].ims': [{ service: 'x' }] });
    expect(card.flags).toEqual(['unknown_fields:contacts[0].ims']);
  });

  test('a value of the wrong type is kept as sent and flagged, not turned into null alone', () => {
    const message = parseOne({
      id: 'wamid.L',
      from: '1',
      type: 'location',
      location: { latitude: 'north', longitude: 13.4 },
    });
    expect(message.content).toMatchObject({ kind: 'location', latitude: null, longitude: 13.4 });
    expect(message.unparsed).toEqual({ 'location.latitude': 'north' });
    expect(message.flags).toEqual(['wrong_type:location.latitude']);
  });

  test("an edit's inner keys that are not its content are kept", () => {
    const message = parseOne({
      id: 'wamid.E',
      from: '1',
      type: 'edit',
      edit: {
        original_message_id: 'wamid.O',
        message: { type: 'text', text: { body: 'new' }, context: { id: 'x' } },
      },
    });
    expect(message.content).toMatchObject({ kind: 'edit', edited: { kind: 'text', body: 'new' } });
    expect(message.unparsed).toEqual({ 'edit.message.context': { id: 'x' } });
  });

  test('a message without type whose one content key names its type gets that type, flagged', () => {
    const message = parseOne({ id: 'wamid.T', from: '1', image: { id: 'media1', mime_type: 'image/jpeg' } });
    expect(message.type).toBe('image');
    expect(message.content).toMatchObject({ kind: 'image', media: { id: 'media1' } });
    expect(message.flags).toEqual(['inferred_type:image']);
    // Two content keys leave nothing to infer from.
    const two = parseOne({ id: 'wamid.T2', from: '1', image: { id: 'a' }, text: { body: 'b' } });
    expect(two.type).toBeNull();
    expect(two.flags).toContain('missing_type');
  });

  test('the identity object and error href travel in the event', () => {
    const message = parseOne(
      textMessage({
        identity: { acknowledged: true, created_timestamp: 1767261600, hash: 'h1' },
        errors: [{ code: 131051, title: 't', href: 'https://developers.facebook.com/docs/x' }],
      }),
    );
    const event = messageReceivedEvent(message, 0);
    expect(event.data).toMatchObject({
      identity: { acknowledged: true, hash: 'h1' },
      errors: [{ code: 131051, href: 'https://developers.facebook.com/docs/x' }],
      unparsed: null,
    });
    const system = parseOne({
      id: 'wamid.Y',
      type: 'system',
      system: { type: 'customer_identity_changed', identity: 'h2' },
    });
    expect(system.content).toMatchObject({ kind: 'system', identity: 'h2' });
  });

  test('On-Premises voice notes and call permission replies are typed', () => {
    const onPremises = itemsOf(
      JSON.stringify({
        messages: [{ id: 'wamid.V', from: '1', type: 'voice', voice: { id: 'v1', mime_type: 'audio/ogg' } }],
      }),
    );
    expect(single(messagesIn(onPremises)).content).toEqual({
      kind: 'audio',
      media: { id: 'v1', mimeType: 'audio/ogg', sha256: null, url: null },
      voice: true,
    });
    const reply = parseOne({
      id: 'wamid.P',
      from: '1',
      type: 'interactive',
      interactive: {
        type: 'call_permission_reply',
        call_permission_reply: {
          response: 'accept',
          is_permanent: false,
          expiration_timestamp: 1767900000,
          response_source: 'user_action',
        },
      },
    });
    expect(reply.content).toEqual({
      kind: 'interactive',
      reply: {
        type: 'call_permission_reply',
        response: 'accept',
        isPermanent: false,
        expirationTimestamp: 1767900000,
        responseSource: 'user_action',
      },
    });
    expect(reply.flags).toEqual([]);
  });
});

describe('group statuses keep the participant', () => {
  test('participant ids, both parent spellings and the participant contact are read', () => {
    const body = cloudBody({
      messaging_product: 'whatsapp',
      metadata: METADATA,
      contacts: [{ profile: { name: 'Pia', username: '@pia' }, wa_id: '4915199', user_id: 'DE.77' }],
      statuses: [
        {
          id: 'wamid.G',
          status: 'read',
          timestamp: '1767261600',
          recipient_id: '120363041234567890',
          recipient_type: 'group',
          recipient_participant_id: '4915199',
          recipient_participant_user_id: 'DE.77',
          recipient_participant_parent_user_id: 'DE.ENT.1',
          parent_recipient_user_id: 'DE.ENT.9',
        },
      ],
    });
    const status = single(statusesIn(itemsOf(body)));
    expect(status.recipient).toMatchObject({
      recipientId: '120363041234567890',
      waId: null,
      parentUserId: 'DE.ENT.9',
      participantId: '4915199',
      participantUserId: 'DE.77',
      participantParentUserId: 'DE.ENT.1',
      participantName: 'Pia',
      participantUsername: '@pia',
    });
    expect(status.flags).toEqual([]);
    const event = messageStatusEvent(status, { status: 'read' }, 0);
    expect(event.data).toMatchObject({ recipient: { participantName: 'Pia' }, unparsed: null });
  });
});

/** Every leaf (path and value) of a JSON value. */
function leaves(value: unknown, path = ''): { path: string; value: unknown }[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => leaves(item, `${path}[${index}]`));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([key, inner]) =>
      leaves(inner, path === '' ? key : `${path}.${key}`),
    );
  return [{ path, value }];
}

/** The ways a parser may legitimately render a leaf it read: as is, as text, or a timestamp as ISO. */
function renderings(value: unknown): unknown[] {
  const out: unknown[] = [value, String(value)];
  const asNumber = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  // Numeric text where a number is expected is read as that number.
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(asNumber)) out.push(asNumber);
  if (Number.isFinite(asNumber) && asNumber >= 0 && asNumber < 8.64e12)
    out.push(new Date(asNumber * 1000).toISOString());
  if (value === 'true' || value === 'false') out.push(value === 'true');
  // An empty string carries no value and reads as null (a reaction's "" emoji means removed); so
  // does one of spaces only where it is read trimmed (an id: `" "` is no participant).
  if (typeof value === 'string' && value.trim() === '') out.push(null);
  // Ids are read trimmed, a status word also lower-cased (`DELETED` → `deleted`).
  if (typeof value === 'string') out.push(value.trim(), value.trim().toLowerCase());
  // A phone number (a sender's `from` may arrive as a JSON number) is carried as its digits
  // (`+49 151…` → `49151…`).
  const text = String(value);
  if (/^\+?[\d\s-]+$/.test(text.trim())) out.push(text.replace(/\D/g, ''));
  return out;
}

const leafValue = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer({ min: -1000, max: 2_000_000_000 }),
  fc.boolean(),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -90, max: 90 }),
);
const extraKey = fc.constantFrom('mentions', 'metadata', 'file', 'ims', 'zz_future', 'context2');
const extras = fc.dictionary(
  extraKey,
  fc.oneof(leafValue, fc.dictionary(extraKey, leafValue, { maxKeys: 2 })),
  {
    maxKeys: 2,
  },
);

/** Messages of several types, with unknown keys at every level and known leaves of any type. */
const generatedMessage = fc
  .record({
    id: fc.stringMatching(/^wamid\.[A-Z0-9]{4,10}$/),
    from: fc.stringMatching(/^[1-9]\d{6,12}$/),
    timestamp: fc.integer({ min: 1_600_000_000, max: 1_900_000_000 }).map(String),
    kind: fc.constantFrom('text', 'location', 'image', 'reaction', 'button'),
    leafA: leafValue,
    leafB: leafValue,
    inner: extras,
    outer: extras,
    context: fc.option(fc.record({ id: fc.string({ minLength: 1, maxLength: 6 }), more: extras }), {
      nil: undefined,
    }),
  })
  .map((g) => {
    const payloads: Record<string, Record<string, unknown>> = {
      text: { body: g.leafA },
      location: { latitude: g.leafA, longitude: g.leafB },
      image: { id: g.leafA, caption: g.leafB },
      reaction: { message_id: g.leafA, emoji: g.leafB },
      button: { payload: g.leafA, text: g.leafB },
    };
    const message: Record<string, unknown> = {
      id: g.id,
      from: g.from,
      timestamp: g.timestamp,
      type: g.kind,
      [g.kind]: { ...g.inner, ...payloads[g.kind] },
      ...Object.fromEntries(Object.entries(g.outer).map(([key, value]) => [`x_${key}`, value])),
    };
    if (g.context) message.context = { ...g.context.more, id: g.context.id };
    return message;
  });

describe('the parser loses nothing', () => {
  test('every leaf value of a generated message appears in its event, typed or unparsed', () => {
    fc.assert(
      fc.property(generatedMessage, (message) => {
        const parsed: ParsedMessage = parseOne(message);
        const rendered = leaves(messageReceivedEvent(parsed, 0).data).map((leaf) => leaf.value);
        for (const leaf of leaves(message)) {
          const found = renderings(leaf.value).some((form) =>
            rendered.some((out) => Object.is(out, form) || out === form),
          );
          if (!found) throw new Error(`leaf ${leaf.path}=${JSON.stringify(leaf.value)} is not in the event`);
        }
      }),
      { numRuns: 300 },
    );
  });
});

/** The fixtures of every typed non-messages field and of echoes: the starting points of the changes below. */
const FIELD_FIXTURES = payloadNames().filter((name) => name.startsWith('field-'));

/** Every object (path and node) of a JSON value, the value itself first. */
function objects(value: unknown, path = ''): { path: string; node: Record<string, unknown> }[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => objects(item, `${path}[${index}]`));
  if (value === null || typeof value !== 'object') return [];
  const node = value as Record<string, unknown>;
  return [
    { path, node },
    ...Object.entries(node).flatMap(([key, inner]) => objects(inner, path === '' ? key : `${path}.${key}`)),
  ];
}

/** The value of one change of a field fixture, with leaves replaced and unknown keys added anywhere. */
const generatedChange = fc
  .record({
    fixture: fc.constantFrom(...FIELD_FIXTURES),
    change: fc.nat(),
    replacements: fc.array(fc.tuple(fc.nat(), leafValue), { maxLength: 4 }),
    insertions: fc.array(
      fc.tuple(fc.nat(), extraKey, fc.oneof(leafValue, fc.dictionary(extraKey, leafValue, { maxKeys: 2 }))),
      { maxLength: 3 },
    ),
  })
  .map((g) => {
    const entry = JSON.parse(loadPayload(g.fixture).toString()).entry[0];
    const chosen = entry.changes[g.change % entry.changes.length];
    const field: string = chosen.field;
    const value = structuredClone(chosen.value) as Record<string, unknown>;
    for (const [index, replacement] of g.replacements) {
      const open = leaves(value);
      const target = open[index % Math.max(open.length, 1)];
      if (target !== undefined) setAt(value, target.path, replacement);
    }
    for (const [index, key, extra] of g.insertions) {
      const open = objects(value).filter((object) => !Object.hasOwn(object.node, key));
      const target = open[index % Math.max(open.length, 1)];
      if (target !== undefined) target.node[key] = extra;
    }
    return { field, value, time: entry.time as number | undefined };
  });

/** Sets the leaf at a dotted path (`a.b[2].c`) of `root`. */
function setAt(root: Record<string, unknown>, path: string, replacement: unknown): void {
  const keys = path.match(/[^.[\]]+/g) ?? [];
  let node: Record<string, unknown> = root;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = keys.at(-1);
  if (last !== undefined) node[last] = replacement;
}

/** The data of every event a body's items become. */
function eventData(items: ParsedItem[]): unknown[] {
  return items.map((item) => {
    switch (item.kind) {
      case 'update':
        return updateEvent(item, 0).data;
      case 'echo':
        return messageEchoEvent(item, 0).data;
      case 'field':
        return fieldEvent(item, 0).data;
      default:
        throw new Error(`a ${item.kind} item from a non-messages field`);
    }
  });
}

describe('the parser loses nothing of the other fields', () => {
  test('the generator starts from a fixture of every typed field', () => {
    const covered = new Set(
      FIELD_FIXTURES.flatMap((name) =>
        (JSON.parse(loadPayload(name).toString()).entry as { changes: { field: string }[] }[]).flatMap(
          (entry) => entry.changes.map((change) => change.field),
        ),
      ),
    );
    // `message_echoes` is read by the same parser as `smb_message_echoes`, which has a fixture.
    const typed = [...TYPED_FIELDS, ...ECHO_FIELDS].filter((field) => field !== 'message_echoes');
    expect(typed.filter((field) => !covered.has(field))).toEqual([]);
  });

  test('every leaf of a generated update or echo appears in its events, typed or unparsed', () => {
    fc.assert(
      fc.property(generatedChange, ({ field, value, time }) => {
        const items = itemsOf(cloudBody(value, time === undefined ? { field } : { field, time }));
        const rendered = eventData(items).flatMap((data) => leaves(data).map((leaf) => leaf.value));
        for (const leaf of leaves(value)) {
          const found = renderings(leaf.value).some((form) =>
            rendered.some((out) => Object.is(out, form) || out === form),
          );
          if (!found)
            throw new Error(`${field}: leaf ${leaf.path}=${JSON.stringify(leaf.value)} is not in its events`);
        }
      }),
      { numRuns: 500 },
    );
  });
});

/**
 * The arrays and value-level parts of every `messages` value in the fixtures (Cloud changes and
 * On-Premises bodies): the pieces whole values are put together from below.
 */
const MESSAGES_POOL = (() => {
  const values = payloadNames().flatMap((name): Record<string, unknown>[] => {
    const body = JSON.parse(loadPayload(name).toString()) as Record<string, unknown>;
    if (!Array.isArray(body.entry)) return name.startsWith('on-premises') ? [body] : [];
    return (body.entry as { changes: { field: string; value: Record<string, unknown> }[] }[]).flatMap(
      (entry) => entry.changes.filter((change) => change.field === 'messages').map((change) => change.value),
    );
  });
  const pick = (key: string) => values.flatMap((value) => (Array.isArray(value[key]) ? value[key] : []));
  return {
    messages: pick('messages'),
    statuses: pick('statuses'),
    errors: pick('errors'),
    contacts: pick('contacts'),
    metadata: values.map((value) => value.metadata).filter((metadata) => metadata !== undefined),
  };
})();

/** Arrays of fixture items, sometimes present but empty. */
function poolArray(items: unknown[], maxLength: number) {
  return fc.option(fc.array(fc.constantFrom(...items), { maxLength }), { nil: undefined });
}

/** A contact no item may name: another number, maybe with a BSUID and an identity key hash. */
const strayContact = fc.record(
  {
    wa_id: fc.stringMatching(/^[1-9]\d{6,12}$/),
    user_id: fc.stringMatching(/^[A-Z]{2}\.\d{4,12}$/),
    identity_key_hash: fc.string({ minLength: 1, maxLength: 8 }),
    profile: fc.record({ name: fc.string({ minLength: 1, maxLength: 8 }) }),
  },
  { requiredKeys: ['wa_id', 'profile'] },
);

/** An error giving `details` in both of Meta's spellings (On-Premises top level, Cloud `error_data`). */
const twoSpellingError = fc.record({
  code: fc.integer({ min: 1, max: 140_000 }),
  title: fc.string({ minLength: 1, maxLength: 8 }),
  details: fc.string({ minLength: 1, maxLength: 8 }),
  error_data: fc.record({ details: fc.string({ minLength: 1, maxLength: 8 }) }),
});

/** A status with the keys no fixture has: both spellings of the participant and parent ids, the identity hash. */
const generatedStatus = fc.record(
  {
    id: fc.stringMatching(/^wamid\.[A-Z0-9]{4,10}$/),
    status: fc.constantFrom('sent', 'delivered', 'read', 'failed'),
    timestamp: fc.integer({ min: 1_600_000_000, max: 1_900_000_000 }).map(String),
    recipient_id: fc.stringMatching(/^[1-9]\d{6,12}$/),
    recipient_identity_key_hash: fc.string({ minLength: 1, maxLength: 8 }),
    recipient_participant_id: fc.stringMatching(/^[1-9]\d{6,12}$/),
    participant_recipient_id: fc.stringMatching(/^[1-9]\d{6,12}$/),
    recipient_parent_user_id: fc.stringMatching(/^[A-Z]{2}\.ENT\.\d{4,8}$/),
    parent_recipient_user_id: fc.stringMatching(/^[A-Z]{2}\.ENT\.\d{4,8}$/),
    errors: fc.array(twoSpellingError, { minLength: 1, maxLength: 2 }),
  },
  { requiredKeys: ['id', 'status', 'timestamp'] },
);

/**
 * A whole `messages` value: several messages (fixture and generated), statuses, value errors,
 * contacts that match an item and contacts that match none, messaging_product and metadata, with
 * leaves replaced and unknown keys added anywhere.
 */
const generatedMessagesValue = fc
  .record({
    product: fc.option(fc.oneof(fc.constant('whatsapp'), leafValue), { nil: undefined }),
    metadata: fc.option(fc.constantFrom(...MESSAGES_POOL.metadata), { nil: undefined }),
    contacts: poolArray(MESSAGES_POOL.contacts, 3),
    strays: fc.array(strayContact, { maxLength: 2 }),
    messages: poolArray(MESSAGES_POOL.messages, 3),
    generated: fc.array(generatedMessage, { maxLength: 2 }),
    messageErrors: fc.array(twoSpellingError, { maxLength: 2 }),
    statuses: poolArray(MESSAGES_POOL.statuses, 3),
    strayStatuses: fc.array(generatedStatus, { maxLength: 2 }),
    errors: poolArray(MESSAGES_POOL.errors, 2),
    strayErrors: fc.array(twoSpellingError, { maxLength: 2 }),
    replacements: fc.array(fc.tuple(fc.nat(), leafValue), { maxLength: 4 }),
    insertions: fc.array(
      fc.tuple(fc.nat(), extraKey, fc.oneof(leafValue, fc.dictionary(extraKey, leafValue, { maxKeys: 2 }))),
      { maxLength: 3 },
    ),
  })
  .map((g) => {
    const [first] = g.generated;
    if (first !== undefined && g.messageErrors.length > 0) first.errors = g.messageErrors;
    const parts: Record<string, unknown> = {
      messaging_product: g.product,
      metadata: g.metadata,
      contacts:
        g.contacts === undefined && g.strays.length === 0 ? undefined : [...(g.contacts ?? []), ...g.strays],
      messages:
        g.messages === undefined && g.generated.length === 0
          ? undefined
          : [...(g.messages ?? []), ...g.generated],
      statuses:
        g.statuses === undefined && g.strayStatuses.length === 0
          ? undefined
          : [...(g.statuses ?? []), ...g.strayStatuses],
      errors:
        g.errors === undefined && g.strayErrors.length === 0
          ? undefined
          : [...(g.errors ?? []), ...g.strayErrors],
    };
    const value = structuredClone(
      Object.fromEntries(Object.entries(parts).filter(([, part]) => part !== undefined)),
    ) as Record<string, unknown>;
    for (const [index, replacement] of g.replacements) {
      const open = leaves(value);
      const target = open[index % Math.max(open.length, 1)];
      if (target !== undefined) setAt(value, target.path, replacement);
    }
    for (const [index, key, extra] of g.insertions) {
      const open = objects(value).filter((object) => !Object.hasOwn(object.node, key));
      const target = open[index % Math.max(open.length, 1)];
      if (target !== undefined) target.node[key] = extra;
    }
    return value;
  });

/** The data of every event the items of a `messages` value become. */
function messagesEventData(items: ParsedItem[]): unknown[] {
  return items.map((item) => {
    switch (item.kind) {
      case 'message':
        return messageReceivedEvent(item, 0).data;
      case 'status':
        return messageStatusEvent(item, { status: item.status }, 0).data;
      case 'error':
        return whatsappErrorEvent(item, 0).data;
      case 'field':
        return fieldEvent(item, 0).data;
      default:
        throw new Error(`a ${item.kind} item from a messages value`);
    }
  });
}

/** The first leaf of `value` that no event of `items` carries, or null when every leaf is carried. */
function lostLeaf(value: unknown, items: ParsedItem[]): string | null {
  const rendered = messagesEventData(items).flatMap((data) => leaves(data).map((leaf) => leaf.value));
  for (const leaf of leaves(value)) {
    const found = renderings(leaf.value).some((form) =>
      rendered.some((out) => Object.is(out, form) || out === form),
    );
    if (!found) return `${leaf.path}=${JSON.stringify(leaf.value)}`;
  }
  return null;
}

describe('the parser loses nothing of a whole messages value', () => {
  test('every leaf of a generated messages change appears in its events, typed or unparsed', () => {
    fc.assert(
      fc.property(generatedMessagesValue, (value) => {
        const lost = lostLeaf(value, itemsOf(cloudBody(value)));
        if (lost !== null) throw new Error(`leaf ${lost} is not in its events`);
      }),
      { numRuns: 500 },
    );
  });

  test('every leaf of the same value sent as an On-Premises body appears in its events', () => {
    fc.assert(
      fc.property(generatedMessagesValue, (value) => {
        // A body with none of the top-level arrays is not an On-Premises body but an unknown shape.
        if (!['contacts', 'messages', 'statuses', 'errors'].some((key) => value[key] !== undefined)) return;
        const lost = lostLeaf(value, itemsOf(JSON.stringify(value)));
        if (lost !== null) throw new Error(`leaf ${lost} is not in its events`);
      }),
      { numRuns: 300 },
    );
  });
});
