import { describe, expect, it } from 'vitest';
import {
  MAX_FAILED_SIGN_INS,
  SIGN_IN_WINDOW_MS,
  SignInLimiter,
} from '../../../src/dashboard/sign-in-limiter.js';

describe('SignInLimiter', () => {
  const clock = {
    t: 1_000_000,
    now() {
      return this.t;
    },
  };

  it('blocks an address after too many wrong tokens until its window ends, and no other address', () => {
    const limiter = new SignInLimiter(clock);
    for (let i = 0; i < MAX_FAILED_SIGN_INS - 1; i++) limiter.failed('10.0.0.1');
    expect(limiter.blockedFor('10.0.0.1')).toBe(0);
    limiter.failed('10.0.0.1');
    expect(limiter.blockedFor('10.0.0.1')).toBe(SIGN_IN_WINDOW_MS);
    expect(limiter.blockedFor('10.0.0.2')).toBe(0);
    clock.t += SIGN_IN_WINDOW_MS - 1;
    expect(limiter.blockedFor('10.0.0.1')).toBe(1);
    clock.t += 1;
    expect(limiter.blockedFor('10.0.0.1')).toBe(0);
    limiter.failed('10.0.0.1');
    expect(limiter.blockedFor('10.0.0.1')).toBe(0);
  });

  it('keeps its memory bounded by forgetting the oldest addresses', () => {
    const limiter = new SignInLimiter(clock);
    for (let i = 0; i < MAX_FAILED_SIGN_INS; i++) limiter.failed('first');
    expect(limiter.blockedFor('first')).toBeGreaterThan(0);
    for (let i = 0; i < 10_000; i++) limiter.failed(`addr-${i}`);
    expect(limiter.blockedFor('first')).toBe(0);
  });
});
