/** What every item parsed from one `messages` value (or one On-Premises body) shares. */
import { canonicalJson } from '../../events/ids.js';
import type { WireContact } from '../../whatsapp/payload-schema-common.js';
import type { FromValue, ItemOrigin } from './types.js';

export interface ValueContext extends ItemOrigin {
  field: string;
  /** `entry[].time`, when the entry has one. */
  time: number | null;
  contacts: readonly WireContact[];
  /** The value's contacts (presented) and messaging_product, carried by every item. */
  shared: FromValue;
  /**
   * What the value held beside its item arrays that no schema reads (unknown keys, a metadata of
   * the wrong type, a contact's unknown keys), under `value.<path>`; every item's `unparsed` holds it.
   */
  beside: Readonly<Record<string, unknown>>;
  /** Flags every item from this value carries, e.g. unknown keys beside `messages[]`. */
  flags: readonly string[];
  value: Record<string, unknown>;
  /** Canonical JSON of `value`, computed once however many items need it. */
  canonicalValue: () => string;
}

export function createValueContext(fields: Omit<ValueContext, 'canonicalValue'>): ValueContext {
  let canonical: string | undefined;
  // Field by field, not `{ ...fields, canonicalValue }`: on Node 20 each key added to an object
  // literal after a leading spread costs about a microsecond, and every value makes a context.
  return {
    wabaId: fields.wabaId,
    phoneNumberId: fields.phoneNumberId,
    displayPhoneNumber: fields.displayPhoneNumber,
    field: fields.field,
    time: fields.time,
    contacts: fields.contacts,
    shared: fields.shared,
    beside: fields.beside,
    flags: fields.flags,
    value: fields.value,
    canonicalValue: () => {
      canonical ??= canonicalJson(fields.value);
      return canonical;
    },
  };
}

/** An item's own `unparsed` with what its value held beside the arrays; null when both are empty. */
export function withBeside(
  ctx: Pick<ValueContext, 'beside'>,
  own: Record<string, unknown> | null,
): Record<string, unknown> | null {
  const besideEmpty = Object.keys(ctx.beside).length === 0;
  if (own === null && besideEmpty) return null;
  // `own` is the item's fresh audit, so it can be handed on without the copy a spread makes.
  if (besideEmpty) return own;
  return { ...ctx.beside, ...own };
}
