/**
 * How a typed update's wire value becomes event data: Meta's keys in camelCase, every key the
 * schema names present (null when the sender left it out), nested objects and arrays the same way
 * down, errors explained like every other error. The rule is mechanical on purpose: a consumer can
 * read Meta's documentation of a field and know the event's key names without a second table, and
 * the exported event types are derived from the wire schemas by the same rule (`Presented`), so
 * the two cannot drift apart.
 */
import type { z } from 'zod';
import type { MessageError } from '../../events/record-types.js';
import { explainError } from '../../whatsapp/error-catalog.js';
import type { WireError } from '../../whatsapp/payload-schema-common.js';
import { wireErrorList } from '../../whatsapp/payload-schema-updates.js';
import { defOf, structural } from './audit.js';
import { isRecord, toWhatsAppError } from './normalize.js';

/** `message_template_id` → `messageTemplateId`, as the type `CamelCase` (events/presented.ts) does it. */
export function camelCase(key: string): string {
  // Keys come from the wire schemas, a few hundred in all, and every presented item renames them
  // again: the regex replace cost more than the rest of presenting.
  let camel = CAMEL_CASED.get(key);
  if (camel === undefined) {
    camel = key.replace(/_([a-z0-9])/g, (_match, next: string) => next.toUpperCase());
    CAMEL_CASED.set(key, camel);
  }
  return camel;
}

const CAMEL_CASED = new Map<string, string>();

/** The parsed (`schema.parse`) value of `schema`, presented; null for absent values. */
export function present(schema: z.ZodType, parsed: unknown): unknown {
  if (parsed === undefined || parsed === null) return null;
  if (schema === wireErrorList) return (parsed as WireError[]).map(explainedError);
  const def = defOf(structural(schema));
  if (def.type === 'object' && def.shape && isRecord(parsed)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(def.shape)) out[camelCase(key)] = present(child, parsed[key]);
    return out;
  }
  if (def.type === 'array' && def.element && Array.isArray(parsed)) {
    const element = def.element;
    return parsed.map((item) => present(element, item));
  }
  return parsed;
}

function explainedError(wire: WireError): MessageError {
  const error = toWhatsAppError(wire);
  return { ...error, explanation: explainError(error) };
}
