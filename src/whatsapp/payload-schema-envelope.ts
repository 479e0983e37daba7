/**
 * The two body shapes we accept. The Cloud API skeleton (`entry[].changes[].field/value`) is the one
 * part of a payload that must be right: without it we cannot tell what a value means, so a broken
 * skeleton quarantines the body instead of guessing. The On-Premises API (shut down Oct 2025, still
 * seen in archives and migrations) had no skeleton: its arrays sit at the top level.
 */
import { z } from 'zod';
import { wireNumber, wireString } from './payload-schema-common.js';

const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const wireChangeSchema = z.looseObject({
  field: z.string(),
  // A custom check passes the value through untouched: it is kept whole, byte for byte in meaning.
  value: z.custom<Record<string, unknown>>(isJsonObject, 'expected an object'),
});

export const wireEntrySchema = z.looseObject({
  /** The WABA id; liberal because only the skeleton below it is load-bearing. */
  id: wireString,
  /** Present on non-`messages` fields only. */
  time: wireNumber,
  changes: z.array(wireChangeSchema),
});

export const wireCloudEnvelopeSchema = z.looseObject({
  object: z.unknown().optional(),
  entry: z.array(wireEntrySchema),
});
export type WireCloudEnvelope = z.output<typeof wireCloudEnvelopeSchema>;

export const CLOUD_OBJECT = 'whatsapp_business_account';

/** Top-level keys that mark an On-Premises body. */
export const ON_PREMISES_KEYS = ['messages', 'statuses', 'errors', 'contacts'] as const;
