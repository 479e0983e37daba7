import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_DELAYS } from '../../../src/config/settings.js';
import {
  JITTER_RATIO,
  parseRetryAfter,
  RETRY_AFTER_CAP_MS,
  retryDelay,
  scheduleSpanMs,
  withJitter,
} from '../../../src/deliver/schedule.js';
import { parseDurationList } from '../../../src/lib/duration.js';

describe('retry schedule', () => {
  it('spreads a delay by at most ±20 % and hits both ends', () => {
    expect(withJitter(10_000, () => 0)).toBe(8_000);
    expect(withJitter(10_000, () => 0.5)).toBe(10_000);
    expect(withJitter(10_000, () => 0.999_999)).toBe(12_000);
    for (let i = 0; i < 1_000; i += 1) {
      const delay = withJitter(60_000, Math.random);
      expect(delay).toBeGreaterThanOrEqual(60_000 * (1 - JITTER_RATIO));
      expect(delay).toBeLessThanOrEqual(60_000 * (1 + JITTER_RATIO));
    }
  });

  it('waits delays[k-1] after the k-th failed attempt and gives up after the last delay', () => {
    const delays = [5_000, 60_000, 3_600_000];
    const noJitter = () => 0.5;
    expect(retryDelay(delays, 1, noJitter)).toBe(5_000);
    expect(retryDelay(delays, 2, noJitter)).toBe(60_000);
    expect(retryDelay(delays, 3, noJitter)).toBe(3_600_000);
    expect(retryDelay(delays, 4, noJitter)).toBeNull();
  });

  it('takes Retry-After as a floor, capped so a wrong header cannot park a delivery for days', () => {
    const delays = [5_000, 5_000];
    const noJitter = () => 0.5;
    expect(retryDelay(delays, 1, noJitter, 120_000)).toBe(120_000);
    expect(retryDelay(delays, 1, noJitter, 1_000)).toBe(5_000);
    expect(retryDelay(delays, 1, noJitter, 7 * 86_400_000)).toBe(RETRY_AFTER_CAP_MS);
    // The budget still ends: Retry-After does not add attempts.
    expect(retryDelay(delays, 3, noJitter, 120_000)).toBeNull();
  });

  it('reads Retry-After as seconds or as an HTTP date, and ignores what it cannot read', () => {
    const now = Date.parse('2026-01-31T12:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sat, 31 Jan 2026 12:05:00 GMT', now)).toBe(300_000);
    expect(parseRetryAfter('Sat, 31 Jan 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('1.5', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it('documents the default schedule: 16 attempts over about 3.7 days', () => {
    const delays = parseDurationList(DEFAULT_RETRY_DELAYS);
    expect(delays).toHaveLength(15);
    const days = scheduleSpanMs(delays) / 86_400_000;
    expect(days).toBeGreaterThan(3.6);
    expect(days).toBeLessThan(3.7);
  });
});
