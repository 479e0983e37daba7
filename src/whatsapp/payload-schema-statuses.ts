/** Wire shape of one status update (`value.statuses[]`, or top-level `statuses[]` On-Premises). */
import { z } from 'zod';
import {
  wireArray,
  wireBoolean,
  wireErrorSchema,
  wireNumber,
  wireObject,
  wireString,
  wireUnixSeconds,
} from './payload-schema-common.js';

export const wireStatusSchema = z.looseObject({
  id: wireString,
  status: wireString,
  timestamp: wireUnixSeconds,
  recipient_id: wireString,
  recipient_type: wireString,
  recipient_participant_id: wireString,
  /** An older spelling of `recipient_participant_id`. */
  participant_recipient_id: wireString,
  recipient_participant_user_id: wireString,
  recipient_participant_parent_user_id: wireString,
  recipient_user_id: wireString,
  recipient_parent_user_id: wireString,
  /** Meta's documentation has also spelled the parent id this way. */
  parent_recipient_user_id: wireString,
  recipient_identity_key_hash: wireString,
  biz_opaque_callback_data: wireString,
  conversation: wireObject({
    id: wireString,
    expiration_timestamp: wireNumber,
    origin: wireObject({ type: wireString }),
  }),
  pricing: wireObject({
    billable: wireBoolean,
    pricing_model: wireString,
    type: wireString,
    category: wireString,
  }),
  errors: wireArray(wireErrorSchema),
});
export type WireStatus = z.output<typeof wireStatusSchema>;

export const STATUS_KEYS: ReadonlySet<string> = new Set(Object.keys(wireStatusSchema.shape));
