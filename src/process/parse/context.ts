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
  return {
    ...fields,
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
  if (own === null && Object.keys(ctx.beside).length === 0) return null;
  return { ...ctx.beside, ...own };
}
