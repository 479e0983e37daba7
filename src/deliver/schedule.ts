/**
 * Retry timing. The schedule is a list of delays (WAHOOK_DELIVERY_RETRY_DELAYS): after attempt k
 * fails, attempt k+1 comes `delays[k-1]` later; after the last delay's attempt fails, the
 * delivery is dead. So n delays give n+1 attempts.
 *
 * Each delay is spread by ±20 % (uniform), so that deliveries that failed together (an endpoint
 * outage) do not all come back in the same second. A `Retry-After` from the subscriber is a
 * floor: the next attempt is never earlier than it asks, but never later than RETRY_AFTER_CAP_MS,
 * so a wrong header cannot park a delivery for days.
 */
export const JITTER_RATIO = 0.2;
export const RETRY_AFTER_CAP_MS = 60 * 60 * 1000;

/** A number in [0, 1), injected so tests can pin the jitter. */
export type Random = () => number;

/** `base` spread uniformly over [base × 0.8, base × 1.2]. */
export function withJitter(baseMs: number, random: Random, ratio = JITTER_RATIO): number {
  return Math.round(baseMs * (1 - ratio + 2 * ratio * random()));
}

/**
 * The delay before the next attempt after `attemptsMade` attempts have failed, or null when the
 * schedule is used up.
 */
export function retryDelay(
  delays: readonly number[],
  attemptsMade: number,
  random: Random,
  retryAfterMs: number | null = null,
): number | null {
  const base = delays[attemptsMade - 1];
  if (base === undefined) return null;
  const jittered = withJitter(base, random);
  if (retryAfterMs === null) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, RETRY_AFTER_CAP_MS));
}

/**
 * `Retry-After` as milliseconds from `now`: delta-seconds (`120`) or an HTTP date
 * (`Wed, 21 Oct 2026 07:28:00 GMT`). A date in the past is 0; anything unreadable is null.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/** The time from the first attempt to the dead letter, without jitter. */
export function scheduleSpanMs(delays: readonly number[]): number {
  return delays.reduce((sum, delay) => sum + delay, 0);
}
