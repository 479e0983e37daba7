/**
 * The WhatsApp error-code catalog: what each code means, whether retrying helps, and what to do.
 * The data lives in the error-catalog-*.ts files by code family; this module joins them, resolves
 * ranges and writes the explanation a support person reads next to a failed message.
 *
 * Lookup prefers a single code over a range that contains it (1026 over 1000–1031), so a range
 * can stand for the codes Meta lists only as a range while the named ones keep their own text.
 */

import { type CatalogEntry, formatCodeRange } from './error-catalog-entry.js';
import { GRAPH_ERRORS } from './error-catalog-graph.js';
import { MESSAGING_ERRORS } from './error-catalog-messaging.js';
import { ON_PREMISES_ERRORS } from './error-catalog-on-premises.js';
import { REGISTRATION_ERRORS } from './error-catalog-registration.js';
import { TEMPLATE_ERRORS } from './error-catalog-templates.js';
import type { WhatsAppError } from './types.js';

export type { CatalogEntry, ErrorSource, RetryAdvice } from './error-catalog-entry.js';
export { formatCodeRange } from './error-catalog-entry.js';

export const META_ERROR_CODES_URL =
  'https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes';

const ENTRIES: readonly CatalogEntry[] = Object.freeze(
  [...GRAPH_ERRORS, ...MESSAGING_ERRORS, ...TEMPLATE_ERRORS, ...REGISTRATION_ERRORS, ...ON_PREMISES_ERRORS]
    .sort((a, b) => a.code - b.code || a.lastCode - b.lastCode)
    .map((entry) => Object.freeze(entry)),
);

const SINGLE_CODES = new Map(
  ENTRIES.filter((entry) => entry.code === entry.lastCode).map((entry) => [entry.code, entry]),
);
const RANGES = ENTRIES.filter((entry) => entry.code !== entry.lastCode);

/** Every entry, ordered by code; ranges appear once, at their first code. */
export function listErrorCodes(): readonly CatalogEntry[] {
  return ENTRIES;
}

export function lookupErrorCode(code: number): CatalogEntry | undefined {
  return SINGLE_CODES.get(code) ?? RANGES.find((entry) => code >= entry.code && code <= entry.lastCode);
}

/**
 * One or two sentences for a person: what the error means, what to do, and whether retrying
 * helps. Built only from the error itself, so the same error always explains the same way.
 */
export function explainError(err: WhatsAppError): string {
  const entry = lookupErrorCode(err.code);
  if (entry === undefined) return explainUnknownError(err);
  const label = entry.code === entry.lastCode ? '' : ` (${formatCodeRange(entry)})`;
  return `WhatsApp error ${err.code}${label}: ${entry.meaning} ${entry.remedy}; ${entry.retryLabel}.`;
}

function explainUnknownError(err: WhatsAppError): string {
  const title = err.title ?? err.message;
  const named = title === null ? `WhatsApp error ${err.code}` : `WhatsApp error ${err.code} ("${title}")`;
  const details = err.details === null ? '' : ` together with the details Meta sent: "${err.details}"`;
  return (
    `${named} is not in wahook's error catalog, so whether retrying helps is not known. ` +
    `Look the code up on Meta's error-code page (${META_ERROR_CODES_URL})${details}.`
  );
}
