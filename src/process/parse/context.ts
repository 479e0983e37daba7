/** What every item parsed from one `messages` value (or one On-Premises body) shares. */
import { canonicalJson } from '../../events/ids.js';
import type { WireContact } from '../../whatsapp/payload-schema-common.js';
import type { ItemOrigin } from './types.js';

export interface ValueContext extends ItemOrigin {
  field: string;
  /** `entry[].time`, when the entry has one. */
  time: number | null;
  contacts: readonly WireContact[];
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
