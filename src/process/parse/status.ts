/** One status update: `value.statuses[i]` (Cloud) or top-level `statuses[i]` (On-Premises). */
import { eventIdFor } from '../../events/ids.js';
import { type WireStatus, wireStatusSchema } from '../../whatsapp/payload-schema-statuses.js';
import type { Conversation, Pricing } from '../../whatsapp/types.js';
import { auditAgainst, auditFlags, emptyAudit, unparsedOrNull } from './audit.js';
import { type ValueContext, withBeside } from './context.js';
import { recipientOf } from './counterpart.js';
import { malformedItem } from './field.js';
import { isRecord, orNull, textOrNull, toWhatsAppErrors } from './normalize.js';
import { keepOtherErrorSpellings, keepOtherSpellings, STATUS_SPELLINGS, spellingFlags } from './spellings.js';
import type { ParsedItem } from './types.js';

/** Stands in for a missing sender timestamp: sorts first, and the item says so in its flags. */
const MISSING_TIMESTAMP = 0;

export function parseStatus(raw: unknown, ctx: ValueContext, soleItem: boolean): ParsedItem {
  if (!isRecord(raw)) return malformedItem(ctx, 'status', raw, 'not_an_object');
  const status = wireStatusSchema.parse(raw);
  const wamid = textOrNull(status.id);
  if (wamid === null) return malformedItem(ctx, 'status', raw, 'missing_id');
  // Unknown words (`deleted`, `warning`, future ones) are kept: the status merge decides their rank.
  const word = textOrNull(status.status?.trim().toLowerCase());
  if (word === null) return malformedItem(ctx, 'status', raw, 'missing_status');
  const audit = auditAgainst(wireStatusSchema, raw, emptyAudit());
  const flags = [...ctx.flags, ...auditFlags(audit)];
  flags.push(
    ...spellingFlags([
      ...keepOtherSpellings(raw, STATUS_SPELLINGS, '', audit.unparsed),
      ...keepOtherErrorSpellings(raw.errors, 'errors', audit.unparsed),
    ]),
  );
  if (status.timestamp === undefined) flags.push('missing_timestamp');
  const timestamp = status.timestamp ?? MISSING_TIMESTAMP;
  return {
    kind: 'status',
    eventId: eventIdFor('status', [wamid, word, String(timestamp)]),
    wamid,
    status: word,
    timestamp,
    wabaId: ctx.wabaId,
    phoneNumberId: ctx.phoneNumberId,
    displayPhoneNumber: ctx.displayPhoneNumber,
    recipient: recipientOf(status, { contacts: ctx.contacts, soleItem }),
    recipientIdentityKeyHash: orNull(status.recipient_identity_key_hash),
    ...ctx.shared,
    bizOpaqueCallbackData: orNull(status.biz_opaque_callback_data),
    pricing: pricingOf(status.pricing),
    conversation: conversationOf(status.conversation),
    errors: toWhatsAppErrors(status.errors),
    unparsed: withBeside(ctx, unparsedOrNull(audit)),
    flags,
  };
}

function pricingOf(pricing: WireStatus['pricing']): Pricing | null {
  if (pricing === undefined) return null;
  return {
    billable: orNull(pricing.billable),
    pricingModel: orNull(pricing.pricing_model),
    type: orNull(pricing.type),
    category: orNull(pricing.category),
  };
}

function conversationOf(conversation: WireStatus['conversation']): Conversation | null {
  if (conversation === undefined) return null;
  return {
    id: orNull(conversation.id),
    expirationTimestamp: orNull(conversation.expiration_timestamp),
    originType: orNull(conversation.origin?.type),
  };
}
