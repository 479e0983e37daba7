/**
 * Wire shapes of the webhook fields other than `messages` that wahook turns into typed events
 * (docs/events.md, "Account, template and number updates" and "Calls, groups, history"). Sources
 * for each shape are in docs/webhook-shapes.md.
 *
 * Like the message schemas these are liberal: a leaf of the wrong type reads as absent, a nested
 * object that is not one reads as absent, and keys a schema does not name are left out of the
 * parsed value. Nothing is lost by that: the parser walks the raw value beside its schema
 * (parse/audit.ts) and carries whatever was passed over, by path, in the event's `unparsed`.
 * Objects here are plain (not loose) so their parsed types name exactly the keys they read; that
 * is what the exported event types are derived from.
 */
import { z } from 'zod';
import {
  wireArray,
  wireBoolean,
  wireContactSchema,
  wireErrorSchema,
  wireNumber,
  wireString,
  wireUnixSeconds,
} from './payload-schema-common.js';

/** A nested object that reads as absent when it is not an object. */
function part<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.object(shape).optional().catch(undefined);
}

/** Unix seconds on the wire, an ISO-8601 string in the event. */
export const wireIsoTime = wireUnixSeconds.transform((seconds) =>
  seconds === undefined ? undefined : new Date(seconds * 1000).toISOString(),
);

/** Errors inside an update; events carry them explained, as every other error (parse/present.ts). */
export const wireErrorList = wireArray(wireErrorSchema).brand<'WireErrorList'>();

const templateIdentity = {
  message_template_id: wireString,
  message_template_name: wireString,
  message_template_language: wireString,
};

// ——— Whole-value fields: one event per change ———

export const templateStatusValue = z.object({
  event: wireString,
  ...templateIdentity,
  message_template_category: wireString,
  reason: wireString,
  disable_info: part({ disable_date: wireString }),
  other_info: part({ title: wireString, description: wireString }),
  rejection_info: part({ reason: wireString, recommendation: wireString }),
});

export const templateQualityValue = z.object({
  ...templateIdentity,
  previous_quality_score: wireString,
  new_quality_score: wireString,
});

export const templateComponentsValue = z.object({
  ...templateIdentity,
  message_template_element: wireString,
  message_template_title: wireString,
  message_template_footer: wireString,
  message_template_buttons: wireArray(
    z.object({
      message_template_button_type: wireString,
      message_template_button_text: wireString,
      message_template_button_url: wireString,
      message_template_button_phone_number: wireString,
    }),
  ),
});

export const templateCategoryValue = z.object({
  ...templateIdentity,
  previous_category: wireString,
  new_category: wireString,
  correct_category: wireString,
  category_update_timestamp: wireIsoTime,
});

export const phoneNumberQualityValue = z.object({
  display_phone_number: wireString,
  event: wireString,
  max_daily_conversations_per_business: wireString,
  current_limit: wireString,
  old_limit: wireString,
});

export const phoneNumberNameValue = z.object({
  display_phone_number: wireString,
  decision: wireString,
  requested_verified_name: wireString,
  rejection_reason: wireString,
});

export const securityValue = z.object({
  display_phone_number: wireString,
  event: wireString,
  requester: wireString,
});

export const businessUsernameValue = z.object({
  display_phone_number: wireString,
  username: wireString,
  status: wireString,
});

export const accountUpdateValue = z.object({
  event: wireString,
  phone_number: wireString,
  country: wireString,
  violation_info: part({ violation_type: wireString }),
  restriction_info: wireArray(z.object({ restriction_type: wireString, expiration: wireIsoTime })),
  ban_info: part({ waba_ban_state: wireString, waba_ban_date: wireString }),
  waba_info: part({
    waba_id: wireString,
    owner_business_id: wireString,
    partner_app_id: wireString,
    ad_account_linked: wireString,
    solution_id: wireString,
    solution_partner_business_ids: wireArray(z.union([z.string(), z.number().transform(String)])),
  }),
  partner_client_certification_info: part({
    client_business_id: wireString,
    status: wireString,
    rejection_reasons: wireArray(z.string()),
  }),
  auth_international_rate_eligibility: part({
    start_time: wireIsoTime,
    exception_countries: wireArray(z.object({ country_code: wireString, start_time: wireIsoTime })),
  }),
  volume_tier_info: part({
    tier_update_time: wireIsoTime,
    pricing_category: wireString,
    tier: wireString,
    effective_month: wireString,
    region: wireString,
  }),
});

export const accountAlertValue = z.object({
  entity_type: wireString,
  entity_id: wireString,
  alert_info: part({
    alert_severity: wireString,
    alert_status: wireString,
    alert_type: wireString,
    alert_description: wireString,
  }),
});

export const accountReviewValue = z.object({ decision: wireString });

export const businessCapabilityValue = z.object({
  max_daily_conversations_per_business: wireString,
  max_phone_numbers_per_waba: wireNumber,
  max_phone_numbers_per_business: wireNumber,
});

export const flowValue = z.object({
  event: wireString,
  message: wireString,
  flow_id: wireString,
  old_status: wireString,
  new_status: wireString,
  alert_state: wireString,
  error_rate: wireNumber,
  threshold: wireNumber,
  p50_latency: wireNumber,
  p90_latency: wireNumber,
});

export const partnerSolutionValue = z.object({
  event: wireString,
  solution_id: wireString,
  solution_status: wireString,
});

export const paymentConfigurationValue = z.object({
  configuration_name: wireString,
  provider_name: wireString,
  provider_mid: wireString,
  status: wireString,
  created_timestamp: wireIsoTime,
  updated_timestamp: wireIsoTime,
});

// ——— Item fields: one event per element of an array in the value ———

/** What a value with item arrays holds beside them (as a `messages` value does). */
export const itemSiblingsValue = z.object({
  messaging_product: wireString,
  metadata: part({ display_phone_number: wireString, phone_number_id: wireString }),
  contacts: wireArray(wireContactSchema),
});

export const userPreferenceItem = z.object({
  wa_id: wireString,
  user_id: wireString,
  parent_user_id: wireString,
  detail: wireString,
  category: wireString,
  value: wireString,
  timestamp: wireIsoTime,
});

const previousAndCurrent = part({ previous: wireString, current: wireString });

export const userIdUpdateItem = z.object({
  wa_id: wireString,
  detail: wireString,
  user_id: previousAndCurrent,
  parent_user_id: previousAndCurrent,
  timestamp: wireIsoTime,
});

export const callItem = z.object({
  id: wireString,
  event: wireString,
  direction: wireString,
  from: wireString,
  to: wireString,
  from_user_id: wireString,
  to_user_id: wireString,
  timestamp: wireIsoTime,
  session: part({ sdp_type: wireString, sdp: wireString }),
  status: wireString,
  start_time: wireIsoTime,
  end_time: wireIsoTime,
  duration: wireNumber,
  biz_opaque_callback_data: wireString,
  errors: wireErrorList,
});

export const callStatusItem = z.object({
  id: wireString,
  type: wireString,
  status: wireString,
  timestamp: wireIsoTime,
  recipient_id: wireString,
  recipient_user_id: wireString,
  biz_opaque_callback_data: wireString,
  errors: wireErrorList,
});

export const historyItem = z.object({
  metadata: part({ phase: wireNumber, chunk_order: wireNumber, progress: wireNumber }),
  // A thread's messages are passed on as sent: each is a whole message object (its own type,
  // content and `history_context.status`), too varied for one flat shape.
  threads: wireArray(z.object({ id: wireString, messages: z.unknown().optional() })),
  errors: wireErrorList,
});

const groupParticipant = z.object({
  input: wireString,
  wa_id: wireString,
  user_id: wireString,
  errors: wireErrorList,
});
const groupSettingChange = part({ text: wireString, update_successful: wireBoolean, errors: wireErrorList });

/** One element of `groups[]`, shared by the four group_* fields; each uses the keys its `type` needs. */
export const groupItem = z.object({
  timestamp: wireIsoTime,
  group_id: wireString,
  type: wireString,
  request_id: wireString,
  subject: wireString,
  description: wireString,
  invite_link: wireString,
  join_approval_mode: wireString,
  initiated_by: wireString,
  reason: wireString,
  added_participants: wireArray(groupParticipant),
  removed_participants: wireArray(groupParticipant),
  failed_participants: wireArray(groupParticipant),
  profile_picture: part({
    mime_type: wireString,
    sha256: wireString,
    update_successful: wireBoolean,
    errors: wireErrorList,
  }),
  group_subject: groupSettingChange,
  group_description: groupSettingChange,
  errors: wireErrorList,
});

/** One element of `state_sync[]` (`smb_app_state_sync`): a contact of the WhatsApp Business app's address book. */
export const stateSyncItem = z.object({
  type: wireString,
  contact: part({ full_name: wireString, first_name: wireString, phone_number: wireString }),
  action: wireString,
  // Unix seconds, sent as text.
  metadata: part({ timestamp: wireIsoTime }),
});

/** One element of `automatic_events[]`: a lead or purchase Meta detected in a chat that began at an ad. */
export const automaticEventItem = z.object({
  id: wireString,
  event_name: wireString,
  timestamp: wireIsoTime,
  ctwa_clid: wireString,
  // Purchases only; `value` is the amount times 1000.
  custom_data: part({ currency: wireString, value: wireNumber }),
});
