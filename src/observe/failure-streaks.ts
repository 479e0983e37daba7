import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';

/** How often a failure that goes on is logged again, with the count since the last line. */
export const STILL_FAILING_EVERY_MS = 30_000;

interface Streak {
  startedAt: number;
  lastLoggedAt: number;
  total: number;
  sinceLastLine: number;
  lastError: string;
}

/**
 * A failure that repeats (a full disk refusing every webhook, a database that is down) is one
 * story, not one line per request: it is logged when it starts, then at most once per
 * `repeatMs` with how many times it happened meanwhile, and once when it recovers. Without this a
 * full disk filled the rest of the disk with its own log (one error line per refused request).
 */
export class FailureStreaks {
  private readonly streaks = new Map<string, Streak>();

  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly repeatMs = STILL_FAILING_EVERY_MS,
  ) {}

  /** `what` is the sentence for the operator, e.g. "webhooks answered 503: the inbox cannot store them". */
  failed(key: string, what: string, error: string): void {
    const now = this.clock.now();
    const streak = this.streaks.get(key);
    if (!streak) {
      this.streaks.set(key, {
        startedAt: now,
        lastLoggedAt: now,
        total: 1,
        sinceLastLine: 0,
        lastError: error,
      });
      this.logger.error({ event: `${key}.failing`, error }, `${what} (started failing)`);
      return;
    }
    streak.total++;
    streak.sinceLastLine++;
    streak.lastError = error;
    if (now - streak.lastLoggedAt < this.repeatMs) return;
    this.logger.error(
      {
        event: `${key}.still_failing`,
        error,
        failures: streak.sinceLastLine,
        totalFailures: streak.total,
        failingForMs: now - streak.startedAt,
      },
      `${what} (still failing: ${streak.sinceLastLine} more times in the last ${Math.round((now - streak.lastLoggedAt) / 1000)} s)`,
    );
    streak.lastLoggedAt = now;
    streak.sinceLastLine = 0;
  }

  /** A success for `key`: ends its streak, if there was one, with a line that says so. */
  succeeded(key: string): void {
    if (this.streaks.size === 0) return;
    const streak = this.streaks.get(key);
    if (!streak) return;
    this.streaks.delete(key);
    this.logger.warn(
      {
        event: `${key}.recovered`,
        totalFailures: streak.total,
        failingForMs: this.clock.now() - streak.startedAt,
        lastError: streak.lastError,
      },
      `${key} recovered after ${streak.total} failures`,
    );
  }

  /** Keys failing now, for tests and diagnostics. */
  failing(): string[] {
    return [...this.streaks.keys()];
  }
}
