import { parseRetryAfter } from './schedule.js';

/**
 * What one delivery attempt came to, as a value: the HTTP layer never throws at the loop, and the
 * decision about what happens next (decide.ts) reads only this.
 */
export type AttemptOutcome =
  | { kind: 'success'; status: number; latencyMs: number; responsePrefix: string }
  | {
      kind: 'http_error';
      status: number;
      latencyMs: number;
      responsePrefix: string;
      retryAfterMs: number | null;
    }
  | { kind: 'gone'; status: 410; latencyMs: number; responsePrefix: string }
  | { kind: 'redirect'; status: number; latencyMs: number; location: string | null }
  | { kind: 'timeout'; latencyMs: number; timeoutMs: number }
  | { kind: 'connection_error'; latencyMs: number; message: string };

export interface ResponseFacts {
  status: number;
  retryAfter: string | null;
  location: string | null;
  latencyMs: number;
  responsePrefix: string;
}

/** 2xx is success; 410 means "stop sending"; 3xx is not followed; everything else is an error. */
export function classifyResponse(response: ResponseFacts, now: number): AttemptOutcome {
  const { status, latencyMs, responsePrefix } = response;
  if (status >= 200 && status < 300) return { kind: 'success', status, latencyMs, responsePrefix };
  if (status === 410) return { kind: 'gone', status, latencyMs, responsePrefix };
  if (status >= 300 && status < 400)
    return { kind: 'redirect', status, latencyMs, location: response.location };
  return {
    kind: 'http_error',
    status,
    latencyMs,
    responsePrefix,
    retryAfterMs: parseRetryAfter(response.retryAfter, now),
  };
}

/** Whether the outcome counts against the subscription's circuit breaker. */
export function isEndpointFailure(outcome: AttemptOutcome): boolean {
  return outcome.kind !== 'success';
}

/** One line for `last_error` and the attempt log: what went wrong and, where it helps, the fix. */
export function describeOutcome(outcome: AttemptOutcome): string | null {
  switch (outcome.kind) {
    case 'success':
      return null;
    case 'http_error':
      return `HTTP ${outcome.status}${outcome.responsePrefix ? `: ${outcome.responsePrefix.slice(0, 200)}` : ''}`;
    case 'gone':
      return 'HTTP 410 Gone: the subscriber asked to stop; the subscription is disabled';
    case 'redirect':
      return `HTTP ${outcome.status} redirect${outcome.location ? ` to ${outcome.location}` : ''} not followed: update the subscription URL`;
    case 'timeout':
      return `no answer within ${outcome.timeoutMs} ms (WAHOOK_DELIVERY_TIMEOUT)`;
    case 'connection_error':
      return `connection failed: ${outcome.message}`;
  }
}
