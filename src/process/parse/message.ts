/** One inbound message: `value.messages[i]` (Cloud) or top-level `messages[i]` (On-Premises). */
import { eventIdFor } from '../../events/ids.js';
import {
  MESSAGE_COMMON_KEYS,
  type WireContext,
  type WireReferral,
  wireMessageSchema,
} from '../../whatsapp/payload-schema-messages.js';
import { contentOf } from './content.js';
import type { MessageContent } from './content-types.js';
import type { ValueContext } from './context.js';
import { senderOf } from './counterpart.js';
import { malformedItem } from './field.js';
import { isRecord, orNull, textOrNull, toWhatsAppErrors, unknownKeysFlag } from './normalize.js';
import type { MessageContext, ParsedItem, Referral } from './types.js';

export function parseMessage(raw: unknown, ctx: ValueContext, soleItem: boolean): ParsedItem {
  if (!isRecord(raw)) return malformedItem(ctx, 'message', raw, 'not_an_object');
  const message = wireMessageSchema.parse(raw);
  const wamid = textOrNull(message.id);
  if (wamid === null) return malformedItem(ctx, 'message', raw, 'missing_id');
  const flags = [...ctx.flags];
  const content = contentOf(message, raw, flags);
  flags.push(...unknownKeysFlag(raw, (key) => MESSAGE_COMMON_KEYS.has(key) || key === message.type));
  return {
    kind: 'message',
    eventId: messageEventId(wamid, content),
    wamid,
    wabaId: ctx.wabaId,
    phoneNumberId: ctx.phoneNumberId,
    displayPhoneNumber: ctx.displayPhoneNumber,
    timestamp: orNull(message.timestamp),
    from: senderOf(message, { contacts: ctx.contacts, soleItem }),
    type: orNull(message.type),
    content,
    context: contextOf(message.context),
    referral: referralOf(message.referral),
    errors: toWhatsAppErrors(message.errors),
    groupId: orNull(message.group_id),
    flags,
  };
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
