/** One inbound message: `value.messages[i]` (Cloud) or top-level `messages[i]` (On-Premises). */
import type { z } from 'zod';
import type { MessageContent } from '../../events/content-types.js';
import { eventIdFor } from '../../events/ids.js';
import {
  editedMessageSchema,
  MESSAGE_COMMON_KEYS,
  type WireContext,
  type WireMessage,
  type WireReferral,
  wireMessageSchema,
} from '../../whatsapp/payload-schema-messages.js';
import { auditAgainst, auditFlags, emptyAudit, unparsedOrNull } from './audit.js';
import { contentOf, effectiveType } from './content.js';
import { type ValueContext, withBeside } from './context.js';
import { senderOf } from './counterpart.js';
import { malformedItem } from './field.js';
import { isRecord, orNull, textOrNull, toWhatsAppErrors, unknownKeysFlag } from './normalize.js';
import { keepOtherErrorSpellings, spellingFlags } from './spellings.js';
import type { MessageContext, ParsedItem, Referral } from './types.js';

/** Which wire shape a message is read with: an inbound message, or a business's echoed one. */
export interface MessageShape {
  schema: z.ZodType<WireMessage>;
  commonKeys: ReadonlySet<string>;
}

const INBOUND: MessageShape = { schema: wireMessageSchema, commonKeys: MESSAGE_COMMON_KEYS };

export function parseMessage(
  raw: unknown,
  ctx: ValueContext,
  soleItem: boolean,
  shape: MessageShape = INBOUND,
): ParsedItem {
  if (!isRecord(raw)) return malformedItem(ctx, 'message', raw, 'not_an_object');
  const message = shape.schema.parse(raw);
  const wamid = textOrNull(message.id);
  if (wamid === null) return malformedItem(ctx, 'message', raw, 'missing_id');
  const flags = [...ctx.flags];
  const type = effectiveType(message, raw, flags);
  const typed = type === message.type ? message : { ...message, type };
  const content = contentOf(typed, raw, flags);
  const unparsed = auditMessage(raw, content, type, flags, shape);
  return {
    kind: 'message',
    eventId: messageEventId(wamid, content),
    wamid,
    wabaId: ctx.wabaId,
    phoneNumberId: ctx.phoneNumberId,
    displayPhoneNumber: ctx.displayPhoneNumber,
    timestamp: orNull(message.timestamp),
    from: senderOf(message, { contacts: ctx.contacts, soleItem }),
    ...ctx.shared,
    type: orNull(type),
    content,
    context: contextOf(message.context),
    referral: referralOf(message.referral),
    errors: toWhatsAppErrors(message.errors),
    groupId: orNull(message.group_id),
    identity: identityOf(message.identity),
    unparsed: withBeside(ctx, unparsed),
    flags,
  };
}

/**
 * What the message carried that no field of the event holds. A type this version does not know
 * keeps the whole message as its content, so only its unknown top-level keys are named.
 */
function auditMessage(
  raw: Record<string, unknown>,
  content: MessageContent,
  type: string | undefined,
  flags: string[],
  shape: MessageShape,
): Record<string, unknown> | null {
  const known = (key: string) => shape.commonKeys.has(key) || key === type;
  if (content.kind === 'unknown') {
    flags.push(...unknownKeysFlag(raw, known));
    return null;
  }
  const audit = auditAgainst(shape.schema, raw, emptyAudit(), { known });
  // An edit's new message is read for its content only: what else it holds is collected here.
  const inner = isRecord(raw.edit) ? raw.edit.message : undefined;
  if (type === 'edit' && isRecord(inner)) {
    const innerType = typeof inner.type === 'string' ? inner.type : undefined;
    auditAgainst(editedMessageSchema, inner, audit, {
      path: 'edit.message',
      known: (key) => key === 'type' || key === innerType,
    });
  }
  flags.push(
    ...auditFlags(audit),
    ...spellingFlags(keepOtherErrorSpellings(raw.errors, 'errors', audit.unparsed)),
  );
  return unparsedOrNull(audit);
}

/** The identity-change object of older Cloud versions, kept as sent when it is an object. */
function identityOf(identity: unknown): Record<string, unknown> | null {
  return isRecord(identity) ? identity : null;
}

/**
 * The wamid identifies a message. Reactions are the exception: Meta has been seen reusing one id
 * for adding and removing a reaction, so the emoji is part of what makes the event distinct.
 */
function messageEventId(wamid: string, content: MessageContent): string {
  if (content.kind === 'reaction') return eventIdFor('message', [wamid, 'reaction', content.emoji ?? '']);
  return eventIdFor('message', [wamid]);
}

function contextOf(context: WireContext | undefined): MessageContext | null {
  if (context === undefined) return null;
  const product = context.referred_product;
  return {
    messageId: orNull(context.id),
    from: orNull(context.from),
    forwarded: context.forwarded === true,
    frequentlyForwarded: context.frequently_forwarded === true,
    referredProduct: product
      ? { catalogId: orNull(product.catalog_id), productRetailerId: orNull(product.product_retailer_id) }
      : null,
  };
}

function referralOf(referral: WireReferral | undefined): Referral | null {
  if (referral === undefined) return null;
  return {
    sourceUrl: orNull(referral.source_url),
    sourceId: orNull(referral.source_id),
    sourceType: orNull(referral.source_type),
    body: orNull(referral.body),
    headline: orNull(referral.headline),
    mediaType: orNull(referral.media_type),
    imageUrl: orNull(referral.image_url),
    videoUrl: orNull(referral.video_url),
    thumbnailUrl: orNull(referral.thumbnail_url),
    ctwaClid: orNull(referral.ctwa_clid),
    welcomeMessageText: orNull(referral.welcome_message?.text),
  };
}
