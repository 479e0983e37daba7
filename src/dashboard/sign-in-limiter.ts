import type { Clock } from '../lib/clock.js';

/** Wrong tokens one address may try per window before sign-in answers 429 until the window ends. */
export const MAX_FAILED_SIGN_INS = 10;
export const SIGN_IN_WINDOW_MS = 10 * 60_000;
/** Addresses remembered at once; the oldest window is forgotten first, so memory stays bounded. */
const MAX_ADDRESSES = 10_000;

/**
 * Slows guessing at the sign-in form: after MAX_FAILED_SIGN_INS wrong tokens from one address in
 * a window, that address gets 429 with Retry-After until the window ends, whatever it sends. A
 * random admin token cannot be guessed in any number of tries, but a short one chosen by hand
 * could, and every refused try also wrote a log line. A right token does not reset the count, so
 * a guesser cannot interleave a known token to keep going. Per process: each node counts its own.
 */
export class SignInLimiter {
  private readonly failures = new Map<string, { since: number; count: number }>();

  constructor(private readonly clock: Clock) {}

  /** Milliseconds until `address` may try again, or 0 when it may try now. */
  blockedFor(address: string): number {
    const entry = this.current(address);
    if (!entry || entry.count < MAX_FAILED_SIGN_INS) return 0;
    return entry.since + SIGN_IN_WINDOW_MS - this.clock.now();
  }

  failed(address: string): void {
    const entry = this.current(address);
    if (entry) {
      entry.count++;
      return;
    }
    if (this.failures.size >= MAX_ADDRESSES) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    this.failures.set(address, { since: this.clock.now(), count: 1 });
  }

  private current(address: string): { since: number; count: number } | undefined {
    const entry = this.failures.get(address);
    if (entry && this.clock.now() - entry.since >= SIGN_IN_WINDOW_MS) {
      this.failures.delete(address);
      return undefined;
    }
    return entry;
  }
}
