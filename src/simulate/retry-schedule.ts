/**
 * Meta's retry behaviour for webhooks it could not deliver (§7.1): a failed POST (any answer but
 * 200, a timeout, a connection or TLS error) is retried immediately, then with decreasing frequency
 * (exponential backoff) for up to 7 days, after which the update is dropped. Meta publishes no exact
 * steps, so this is our model of it: one immediate retry, then 30 s doubling up to a 1 h cap.
 * `timeScale` compresses the whole schedule, the 7-day window included (0.001 turns 30 s into 30 ms).
 */
export const META_FIRST_BACKOFF_MS = 30_000;
export const META_BACKOFF_CAP_MS = 3_600_000;
export const META_RETRY_WINDOW_MS = 7 * 86_400_000;

/** Delay before retry number `retry` (1 = the first retry), already scaled. */
export function retryDelayMs(retry: number, timeScale: number): number {
  if (retry <= 1) return 0;
  const unscaled = Math.min(META_FIRST_BACKOFF_MS * 2 ** (retry - 2), META_BACKOFF_CAP_MS);
  return unscaled * timeScale;
}

export function retryWindowMs(timeScale: number): number {
  return META_RETRY_WINDOW_MS * timeScale;
}
