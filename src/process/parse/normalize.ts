/** Small conversions shared by the item parsers. */
import type { WireError } from '../../whatsapp/payload-schema-common.js';
import type { WhatsAppError } from '../../whatsapp/types.js';

/** Code used when an error object carries no usable `code`, so it is still reported, not dropped. */
export const MISSING_ERROR_CODE = -1;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** WhatsApp ids are digits, but one Meta example shows a leading `+`; other text is kept as sent. */
export function normalizePhone(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const trimmed = raw.trim();
  if (trimmed === '') return null;
  return /^\+?[\d\s-]+$/.test(trimmed) ? trimmed.replace(/\D/g, '') : trimmed;
}

export function orNull<T>(value: T | undefined): T | null {
  return value === undefined ? null : value;
}

/** Empty strings carry no value; treat them as absent. */
export function textOrNull(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

export function toWhatsAppError(wire: WireError): WhatsAppError {
  return {
    code: wire.code !== undefined && Number.isInteger(wire.code) ? wire.code : MISSING_ERROR_CODE,
    title: orNull(wire.title),
    message: orNull(wire.message),
    details: orNull(wire.error_data?.details ?? wire.details),
    href: orNull(wire.href),
  };
}

export function toWhatsAppErrors(wire: WireError[] | undefined): WhatsAppError[] {
  return (wire ?? []).map(toWhatsAppError);
}

/** `<prefix>:a,b` naming the keys outside `known`, or nothing when every key is known. */
export function unknownKeysFlag(
  value: Record<string, unknown>,
  known: (key: string) => boolean,
  prefix = 'unknown_fields',
): string[] {
  const unknown = Object.keys(value)
    .filter((key) => !known(key))
    .sort();
  return unknown.length === 0 ? [] : [`${prefix}:${unknown.join(',')}`];
}
