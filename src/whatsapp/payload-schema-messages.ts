/** Wire shape of one inbound message (`value.messages[]`, or top-level `messages[]` On-Premises). */
import { z } from 'zod';
import {
  wireArray,
  wireBoolean,
  wireErrorSchema,
  wireObject,
  wireString,
  wireUnixSeconds,
} from './payload-schema-common.js';
import { messageContentShape } from './payload-schema-message-content.js';

export const wireContextSchema = z.looseObject({
  from: wireString,
  id: wireString,
  forwarded: wireBoolean,
  frequently_forwarded: wireBoolean,
  referred_product: wireObject({ catalog_id: wireString, product_retailer_id: wireString }),
});
export type WireContext = z.output<typeof wireContextSchema>;

export const wireReferralSchema = z.looseObject({
  source_url: wireString,
  source_id: wireString,
  source_type: wireString,
  body: wireString,
  headline: wireString,
  media_type: wireString,
  image_url: wireString,
  video_url: wireString,
  thumbnail_url: wireString,
  ctwa_clid: wireString,
  welcome_message: wireObject({ text: wireString }),
});
export type WireReferral = z.output<typeof wireReferralSchema>;

const messageCommonShape = {
  id: wireString,
  from: wireString,
  from_user_id: wireString,
  from_parent_user_id: wireString,
  timestamp: wireUnixSeconds,
  type: wireString,
  group_id: wireString,
  context: wireContextSchema.optional().catch(undefined),
  referral: wireReferralSchema.optional().catch(undefined),
  errors: wireArray(wireErrorSchema),
  /** Identity-change check of older Cloud versions; kept raw. */
  identity: z.unknown().optional(),
};

export const wireMessageSchema = z.looseObject({ ...messageCommonShape, ...messageContentShape });
export type WireMessage = z.output<typeof wireMessageSchema>;

/** The new message inside an edit: read for its content alone. */
export const editedMessageSchema = z.looseObject({ type: wireString, ...messageContentShape });

/** Keys every message may carry whatever its type; the key named by `type` is known as well. */
export const MESSAGE_COMMON_KEYS: ReadonlySet<string> = new Set(Object.keys(messageCommonShape));

/**
 * A message the business sent from the WhatsApp Business app or a linked device (coexistence),
 * echoed in `message_echoes[]`: a message's shape, `from` being the business, plus whom it went to.
 */
export const wireEchoSchema = wireMessageSchema.extend({
  to: wireString,
  to_user_id: wireString,
  to_parent_user_id: wireString,
});
export type WireEcho = z.output<typeof wireEchoSchema>;

export const ECHO_COMMON_KEYS: ReadonlySet<string> = new Set([
  ...MESSAGE_COMMON_KEYS,
  'to',
  'to_user_id',
  'to_parent_user_id',
]);
