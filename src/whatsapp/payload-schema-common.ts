/**
 * Building blocks for the WhatsApp wire schemas. Beyond the envelope skeleton nothing in a payload
 * is guaranteed, so every leaf here reads a value of the wrong type as absent instead of failing
 * the whole object: one odd field must never cost us the message around it. Objects are loose,
 * keeping keys we do not know so the parser can flag them.
 */
import { z } from 'zod';

const NUMERIC_TEXT = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

/** Strings, with numbers accepted as their decimal text (ids sometimes arrive as JSON numbers). */
export const wireString = z
  .union([z.string(), z.number().transform(String)])
  .optional()
  .catch(undefined);

/** Numbers, with numeric strings accepted (timestamps are strings in messages, numbers elsewhere). */
export const wireNumber = z
  .union([z.number(), z.string().trim().regex(NUMERIC_TEXT).transform(Number)])
  .optional()
  .catch(undefined);

/** Whole numbers (error codes), numeric text accepted; a fraction reads as absent, to be flagged. */
export const wireInteger = z
  .union([
    z.number().int(),
    z
      .string()
      .trim()
      .regex(/^-?\d+$/)
      .transform(Number),
  ])
  .optional()
  .catch(undefined);

/**
 * Sender timestamps in unix seconds. A value no Date can hold (negative, or past the year 275760)
 * reads as absent, so the item is flagged and kept instead of failing its whole body downstream.
 */
const MAX_UNIX_SECONDS = 8_640_000_000_000;
export const wireUnixSeconds = z
  .union([z.number(), z.string().trim().regex(NUMERIC_TEXT).transform(Number)])
  .refine((value) => Number.isFinite(value) && value >= 0 && value <= MAX_UNIX_SECONDS)
  .optional()
  .catch(undefined);

export const wireBoolean = z
  .union([z.boolean(), z.enum(['true', 'false']).transform((text) => text === 'true')])
  .optional()
  .catch(undefined);

/** A nested object that reads as absent when it is not an object. */
export function wireObject<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.looseObject(shape).optional().catch(undefined);
}

/** An array whose elements of the wrong shape are skipped, not fatal. */
export function wireArray<Item extends z.ZodType>(item: Item) {
  return z
    .array(item.optional().catch(undefined))
    .transform((items) => items.filter((entry): entry is z.output<Item> & {} => entry !== undefined))
    .optional()
    .catch(undefined);
}

export const wireErrorSchema = z.looseObject({
  code: wireInteger,
  title: wireString,
  message: wireString,
  /** On-Premises puts details at the top level of the error. */
  details: wireString,
  error_data: wireObject({ details: wireString }),
  href: wireString,
});
export type WireError = z.output<typeof wireErrorSchema>;

/** `value.contacts[]`: the user a message came from or a status went to. */
export const wireContactSchema = z.looseObject({
  wa_id: wireString,
  user_id: wireString,
  parent_user_id: wireString,
  identity_key_hash: wireString,
  profile: wireObject({ name: wireString, username: wireString }),
});
export type WireContact = z.output<typeof wireContactSchema>;

/** The `value` of a `messages` change; in the On-Premises format, the whole body. */
export const wireMessagesValueSchema = z.looseObject({
  messaging_product: wireString,
  metadata: wireObject({ display_phone_number: wireString, phone_number_id: wireString }),
  contacts: wireArray(wireContactSchema),
  // Iterated item by item by the parser, so a malformed item is flagged instead of emptying the array.
  messages: z.unknown().optional(),
  statuses: z.unknown().optional(),
  errors: z.unknown().optional(),
});
export type WireMessagesValue = z.output<typeof wireMessagesValueSchema>;

export const MESSAGES_VALUE_KEYS: ReadonlySet<string> = new Set(Object.keys(wireMessagesValueSchema.shape));
