/**
 * The webhook fields other than `messages`, with a light schema where the shape is documented well
 * enough to check. These schemas validate and never transform: the parser keeps the raw value and
 * only flags a mismatch, because a field Meta reshapes is still worth delivering.
 */
import { z } from 'zod';
import { wireObject, wireString } from './payload-schema-common.js';

const idLike = z.union([z.string(), z.number()]);
const text = z.string();
const optionalText = z.string().nullable().optional();

const templateIdentity = {
  message_template_id: idLike.optional(),
  message_template_name: optionalText,
  message_template_language: optionalText,
};

const messagesShaped = (arrayKey: string) => z.looseObject({ [arrayKey]: z.array(z.looseObject({})) });

/** `null`: a field we know by name whose value shape is not documented well enough to check. */
const FIELD_VALUE_SCHEMAS: Readonly<Record<string, z.ZodType | null>> = {
  message_template_status_update: z.looseObject({ ...templateIdentity, event: text, reason: optionalText }),
  message_template_quality_update: z.looseObject({ ...templateIdentity, new_quality_score: text }),
  message_template_components_update: z.looseObject(templateIdentity),
  template_category_update: z.looseObject(templateIdentity),
  phone_number_quality_update: z.looseObject({ display_phone_number: idLike.optional(), event: text }),
  phone_number_name_update: z.looseObject({ display_phone_number: idLike.optional(), decision: text }),
  account_update: z.looseObject({ event: text }),
  account_alerts: z.looseObject({ alert_info: z.looseObject({ alert_type: optionalText }) }),
  account_review_update: z.looseObject({ decision: optionalText }),
  business_capability_update: z.looseObject({}),
  security: z.looseObject({ display_phone_number: idLike.optional(), event: text }),
  flows: z.looseObject({ event: text, flow_id: idLike.optional() }),
  user_preferences: messagesShaped('user_preferences'),
  user_id_update: messagesShaped('user_id_update'),
  smb_message_echoes: messagesShaped('message_echoes'),
  message_echoes: messagesShaped('message_echoes'),
  business_username_update: z.looseObject({ username: optionalText, status: optionalText }),
  history: null,
  smb_app_state_sync: messagesShaped('state_sync'),
  automatic_events: messagesShaped('automatic_events'),
  partner_solutions: z.looseObject({ event: text, solution_id: idLike.optional(), solution_status: text }),
  payment_configuration_update: z.looseObject({ configuration_name: optionalText, status: text }),
  calls: null,
};

export type FieldSchemaLookup = { known: false } | { known: true; schema: z.ZodType | null };

export function fieldSchemaFor(field: string): FieldSchemaLookup {
  if (Object.hasOwn(FIELD_VALUE_SCHEMAS, field))
    return { known: true, schema: FIELD_VALUE_SCHEMAS[field] ?? null };
  // Meta lists a family of group_* fields (group chats) without naming each one in one place.
  if (field.startsWith('group_')) return { known: true, schema: null };
  return { known: false };
}

/** Where a non-`messages` value says which number it is about, when it says so at all. */
export const wireFieldRoutingSchema = z.looseObject({
  metadata: wireObject({ display_phone_number: wireString, phone_number_id: wireString }),
  display_phone_number: wireString,
});
