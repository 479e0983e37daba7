/**
 * Non-`messages` changes, and whatever a `messages` change holds that is not a readable message,
 * status or error. Both are kept whole as `field` items: the business sees them, the operator sees
 * the flags, and nothing is dropped.
 */
import { canonicalJson, eventIdFor } from '../../events/ids.js';
import { fieldSchemaFor, wireFieldRoutingSchema } from '../../whatsapp/payload-schema-fields.js';
import type { ValueContext } from './context.js';
import { orNull } from './normalize.js';
import type { ItemOrigin, ParsedField, ParsedItem } from './types.js';
import { isTypedField, parseUpdates } from './update.js';

export interface FieldChange {
  wabaId: string | null;
  time: number | null;
  field: string;
  value: Record<string, unknown>;
}

/** A non-`messages` change: typed updates where this version types the field, else one field item. */
export function parseFieldChange(change: FieldChange): ParsedItem[] {
  const lookup = fieldSchemaFor(change.field);
  const flags: string[] = [];
  if (!lookup.known) flags.push(`unknown_field:${change.field}`);
  else if (lookup.schema && !lookup.schema.safeParse(change.value).success) {
    flags.push(`schema_mismatch:${change.field}`);
  }
  const routing = wireFieldRoutingSchema.parse(change.value);
  const origin: ItemOrigin = {
    wabaId: change.wabaId,
    phoneNumberId: orNull(routing.metadata?.phone_number_id),
    displayPhoneNumber: orNull(routing.metadata?.display_phone_number ?? routing.display_phone_number),
  };
  const generic = (value: Record<string, unknown>, itemFlags: string[]) =>
    fieldItem({
      field: change.field,
      ...origin,
      time: change.time,
      value,
      known: lookup.known,
      flags: itemFlags,
    });
  if (!isTypedField(change.field)) return [generic(change.value, flags)];
  const { updates, rest } = parseUpdates(change, origin, flags);
  return rest === null ? updates : [...updates, generic(rest.value, rest.flags)];
}

/** An item of a `messages` value we cannot read as what its array says it is. */
export function malformedItem(
  ctx: ValueContext,
  what: 'message' | 'status' | 'error' | 'messages' | 'statuses' | 'errors',
  raw: unknown,
  problem: string,
): ParsedField {
  return fieldItem({
    field: ctx.field,
    wabaId: ctx.wabaId,
    phoneNumberId: ctx.phoneNumberId,
    displayPhoneNumber: ctx.displayPhoneNumber,
    time: ctx.time,
    value: raw,
    known: true,
    flags: [...ctx.flags, `malformed_${what}:${problem}`],
  });
}

/**
 * The id hashes the content with where it came from. `time` is part of it so that a template
 * approved again later is a new event, while a retry (same body, same time) is the same event.
 */
export function fieldItem(item: Omit<ParsedField, 'kind' | 'eventId'>): ParsedField {
  const eventId = eventIdFor('field', [
    item.field,
    item.wabaId ?? '',
    item.phoneNumberId ?? '',
    item.time === null ? '' : String(item.time),
    canonicalJson(item.value),
  ]);
  return { kind: 'field', eventId, ...item };
}
