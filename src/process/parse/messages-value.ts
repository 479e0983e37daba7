/**
 * The value of a `messages` change, or a whole On-Premises body (same arrays, no skeleton). Every
 * item of `messages[]`, `statuses[]` and `errors[]` becomes one parsed item, in that order.
 *
 * What the value holds beside those arrays belongs to all of its items, so every item carries it:
 * `messaging_product` as a typed field, `contacts[]` (each contact with the items that name its
 * person, one that names none with every item: parse/contact-owners.ts), and anything no schema reads (unknown
 * keys, a contact's unknown keys, a metadata of the wrong type) in its `unparsed` under
 * `value.<path>`. A consumer of one event type (statuses only, say) thus sees all of it, and no
 * extra event needs an id of its own. Only when no item can be read does the value's rest travel
 * in one `whatsapp.messages` event of its own, flagged `no_readable_items`.
 */
import {
  MESSAGES_VALUE_KEYS,
  type WireMessagesValue,
  wireMessagesValueSchema,
} from '../../whatsapp/payload-schema-common.js';
import { itemSiblingsValue } from '../../whatsapp/payload-schema-updates.js';
import { type Audit, auditAgainst, auditFlags, emptyAudit } from './audit.js';
import { contactsPerItem } from './contact-owners.js';
import { createValueContext, type ValueContext } from './context.js';
import { fieldItem, malformedItem } from './field.js';
import { parseMessage } from './message.js';
import { orNull, unknownKeysFlag } from './normalize.js';
import { present } from './present.js';
import { parseStatus } from './status.js';
import type { FromValue, ParsedItem } from './types.js';
import { parseValueError } from './value-error.js';

export const ITEM_ARRAYS = ['messages', 'statuses', 'errors'] as const;

export interface MessagesValueSource {
  wabaId: string | null;
  field: string;
  time: number | null;
  value: Record<string, unknown>;
}

/**
 * The context of a value shaped like a `messages` one (metadata, contacts, item arrays); keys
 * beside the known ones are flagged on every item. `itemKeys` names the value's own item arrays.
 */
export function messagesValueContext(source: MessagesValueSource, itemKeys: readonly string[]): ValueContext {
  const { value } = source;
  // Everything the context reads lies beside the item arrays, so only that part is parsed and
  // walked: the items are parsed on their own, one by one.
  const siblings = siblingsOf(value, [...ITEM_ARRAYS, ...itemKeys]);
  const wire = wireMessagesValueSchema.parse(siblings);
  const isKnownKey = (key: string) => MESSAGES_VALUE_KEYS.has(key) || itemKeys.includes(key);
  const beside = auditAgainst(wireMessagesValueSchema, siblings, emptyAudit(), { path: 'value' });
  return createValueContext({
    wabaId: source.wabaId,
    field: source.field,
    time: source.time,
    value,
    phoneNumberId: orNull(wire.metadata?.phone_number_id),
    displayPhoneNumber: orNull(wire.metadata?.display_phone_number),
    contacts: wire.contacts ?? [],
    shared: sharedOf(wire),
    beside: beside.unparsed,
    flags: [...unknownKeysFlag(value, isKnownKey, 'unknown_value_fields'), ...nestedFlags(beside)],
  });
}

/**
 * The value's `contacts[]` presented as for item updates, and its `messaging_product`. Both come
 * from the value's parse: `contacts` has the same wire schema here as in `itemSiblingsValue`.
 */
function sharedOf(wire: WireMessagesValue): FromValue {
  const contacts = present(itemSiblingsValue.shape.contacts, wire.contacts) as FromValue['contacts'] | null;
  return { contacts: contacts ?? [], messagingProduct: orNull(wire.messaging_product) };
}

export function parseMessagesValue(source: MessagesValueSource): ParsedItem[] {
  const { value } = source;
  const isKnownKey = (key: string) => MESSAGES_VALUE_KEYS.has(key);
  const ctx = messagesValueContext(source, []);
  if (ITEM_ARRAYS.every((key) => value[key] === undefined)) {
    // Nothing we can read, yet something arrived: hand it on whole rather than yield nothing.
    const flags = ['no_messages_statuses_or_errors', ...unknownKeysFlag(value, isKnownKey)];
    return [fieldItem({ ...originOf(ctx), field: ctx.field, time: ctx.time, value, known: true, flags })];
  }
  const items = contactsPerItem([
    ...eachItem(ctx, 'messages', (raw, _index, sole) => parseMessage(raw, ctx, sole)),
    ...eachItem(ctx, 'statuses', (raw, _index, sole) => parseStatus(raw, ctx, sole)),
    ...eachItem(ctx, 'errors', (raw, index) => parseValueError(raw, ctx, index)),
  ]);
  if (items.some((item) => item.kind !== 'field')) return items;
  const rest = siblingsOf(value, ITEM_ARRAYS);
  if (Object.keys(rest).length === 0) return items;
  // Empty arrays, or only unreadable items: no item carries the value's contacts and metadata.
  const flags = [...ctx.flags, 'no_readable_items'];
  return [
    ...items,
    fieldItem({ ...originOf(ctx), field: ctx.field, time: ctx.time, value: rest, known: true, flags }),
  ];
}

/** The items a value reports, counted before any parsing so work stays bounded. */
export function countMessagesValueItems(value: Record<string, unknown>): number {
  let count = 0;
  for (const key of ITEM_ARRAYS) {
    const list = value[key];
    if (list !== undefined) count += Array.isArray(list) ? list.length : 1;
  }
  // The value's rest, passed on alone when no item can be read, is not counted: the limit is on
  // what the sender reports, and that event adds at most one per value.
  return Math.max(count, 1);
}

function eachItem(
  ctx: ValueContext,
  key: (typeof ITEM_ARRAYS)[number],
  parse: (raw: unknown, index: number, soleItem: boolean) => ParsedItem,
): ParsedItem[] {
  const list = ctx.value[key];
  if (list === undefined) return [];
  if (!Array.isArray(list)) return [malformedItem(ctx, key, list, 'not_an_array')];
  return list.map((raw, index) => parse(raw, index, list.length === 1));
}

function siblingsOf(value: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key)));
}

/**
 * The flags of what the audit found below the value's top level (`value.contacts[0].ims`,
 * `wrong_type:value.metadata`); unknown top-level keys are already named by `unknown_value_fields`.
 */
function nestedFlags(audit: Audit): string[] {
  const topLevel = (path: string) => /^value\.[^.[]+$/.test(path);
  return auditFlags({ ...audit, unknownPaths: audit.unknownPaths.filter((path) => !topLevel(path)) });
}

export function originOf(ctx: ValueContext) {
  return { wabaId: ctx.wabaId, phoneNumberId: ctx.phoneNumberId, displayPhoneNumber: ctx.displayPhoneNumber };
}
