/**
 * The value of a `messages` change, or a whole On-Premises body (same arrays, no skeleton). Every
 * item of `messages[]`, `statuses[]` and `errors[]` becomes one parsed item, in that order.
 */
import { MESSAGES_VALUE_KEYS, wireMessagesValueSchema } from '../../whatsapp/payload-schema-common.js';
import { createValueContext, type ValueContext } from './context.js';
import { fieldItem, malformedItem } from './field.js';
import { parseMessage } from './message.js';
import { orNull, unknownKeysFlag } from './normalize.js';
import { parseStatus } from './status.js';
import type { ParsedItem } from './types.js';
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
  const wire = wireMessagesValueSchema.parse(value);
  const isKnownKey = (key: string) => MESSAGES_VALUE_KEYS.has(key) || itemKeys.includes(key);
  return createValueContext({
    ...source,
    phoneNumberId: orNull(wire.metadata?.phone_number_id),
    displayPhoneNumber: orNull(wire.metadata?.display_phone_number),
    contacts: wire.contacts ?? [],
    flags: unknownKeysFlag(value, isKnownKey, 'unknown_value_fields'),
  });
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
  return [
    ...eachItem(ctx, 'messages', (raw, _index, sole) => parseMessage(raw, ctx, sole)),
    ...eachItem(ctx, 'statuses', (raw, _index, sole) => parseStatus(raw, ctx, sole)),
    ...eachItem(ctx, 'errors', (raw, index) => parseValueError(raw, ctx, index)),
  ];
}

/** An upper bound of the items a value yields, counted before any parsing so work stays bounded. */
export function countMessagesValueItems(value: Record<string, unknown>): number {
  let count = 0;
  for (const key of ITEM_ARRAYS) {
    const list = value[key];
    if (list !== undefined) count += Array.isArray(list) ? list.length : 1;
  }
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

export function originOf(ctx: ValueContext) {
  return { wabaId: ctx.wabaId, phoneNumberId: ctx.phoneNumberId, displayPhoneNumber: ctx.displayPhoneNumber };
}
