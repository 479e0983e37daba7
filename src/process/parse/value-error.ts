/** Errors not tied to one message: `value.errors[i]` (Cloud) or top-level `errors[i]` (On-Premises). */
import { eventIdFor } from '../../events/ids.js';
import { wireErrorSchema } from '../../whatsapp/payload-schema-common.js';
import { auditAgainst, auditFlags, emptyAudit, unparsedOrNull } from './audit.js';
import { type ValueContext, withBeside } from './context.js';
import { malformedItem } from './field.js';
import { isRecord, MISSING_ERROR_CODE, toWhatsAppError } from './normalize.js';
import { keepOtherErrorSpelling, spellingFlags } from './spellings.js';
import type { ParsedItem } from './types.js';

/**
 * Such an error carries no id or timestamp of its own, so its id hashes the whole value it came in
 * (and its position there): a retried or cross-app copy matches, another WABA or number does not.
 */
export function parseValueError(raw: unknown, ctx: ValueContext, index: number): ParsedItem {
  if (!isRecord(raw)) return malformedItem(ctx, 'error', raw, 'not_an_object');
  const error = toWhatsAppError(wireErrorSchema.parse(raw));
  // `error` holds the keys Meta documents; the rest (`type`, `fbtrace_id`, a code sent as text) is kept.
  const audit = auditAgainst(wireErrorSchema, raw, emptyAudit());
  const flags = [
    ...ctx.flags,
    ...auditFlags(audit),
    ...spellingFlags(keepOtherErrorSpelling(raw, audit.unparsed)),
  ];
  if (error.code === MISSING_ERROR_CODE) flags.push('missing_error_code');
  return {
    kind: 'error',
    eventId: eventIdFor('error', [
      ctx.field,
      ctx.wabaId ?? '',
      ctx.phoneNumberId ?? '',
      ctx.canonicalValue(),
      String(index),
    ]),
    wabaId: ctx.wabaId,
    phoneNumberId: ctx.phoneNumberId,
    displayPhoneNumber: ctx.displayPhoneNumber,
    ...ctx.shared,
    error,
    unparsed: withBeside(ctx, unparsedOrNull(audit)),
    flags,
  };
}
