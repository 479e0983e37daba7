import type { ErrorCode } from '../errors.js';
import { explainError, lookupErrorCode, type RetryAdvice } from '../whatsapp/error-catalog.js';
import type { MetaError } from './graph-client.js';

/**
 * What the caller of POST /v1/messages must do about Meta's error, decided on `error.code` (never
 * on the HTTP status or the text): the catalog's retry advice picks our code and HTTP status.
 * Caller mistakes (change the message, final refusals) are 4xx; throttling and outages are 503
 * with `Retry-After`; a broken token or number is 502, since the caller cannot fix it by retrying.
 */
export interface SendFailureClass {
  code: ErrorCode;
  retry: RetryAdvice | 'unknown';
  /** Seconds, for 503 answers. */
  retryAfter: number | null;
  explanation: string;
}

/** Seconds to wait per code when Meta says to slow down (whatsapp-sending.md §4.4, §5). */
const WAIT_SECONDS: Record<number, number> = {
  130429: 1,
  131056: 6,
  4: 60,
  80007: 60,
  131057: 60,
  131048: 3600,
  131049: 86_400,
  131064: 3600,
};

export function classifyMetaError(error: MetaError, httpStatus: number): SendFailureClass {
  const explanation = explainError({
    code: error.code,
    title: error.title,
    message: error.message,
    details: error.details,
    href: null,
  });
  const advice = lookupErrorCode(error.code)?.retry;
  if (advice === 'retry')
    return {
      code: 'send_unavailable',
      retry: advice,
      retryAfter: WAIT_SECONDS[error.code] ?? 5,
      explanation,
    };
  if (advice === 'wait')
    return { code: 'send_throttled', retry: advice, retryAfter: WAIT_SECONDS[error.code] ?? 60, explanation };
  if (advice === 'fix_config')
    return { code: 'send_misconfigured', retry: advice, retryAfter: null, explanation };
  if (advice === 'no_retry' || advice === 'inbound_only')
    return { code: 'send_rejected', retry: 'no_retry', retryAfter: null, explanation };
  // Not in the catalog: the HTTP status is all there is to go on.
  return httpStatus >= 500
    ? { code: 'send_unavailable', retry: 'unknown', retryAfter: 5, explanation }
    : { code: 'send_rejected', retry: 'unknown', retryAfter: null, explanation };
}
