import { describe, expect, it } from 'vitest';
import { type BreakerState, CircuitBreakers } from '../../../src/deliver/circuit.js';
import { ManualClock } from '../../helpers/delivery-fixtures.js';

const policy = { failureThreshold: 3, openMs: 1_000, maxOpenMs: 3_000 };

function breakers() {
  const clock = new ManualClock(0);
  const changes: BreakerState[] = [];
  const breaker = new CircuitBreakers(policy, clock, (_id, state) => changes.push(state));
  return { clock, changes, breaker };
}

describe('circuit breaker per subscription', () => {
  it('stays closed below the threshold and forgets failures after a success', () => {
    const { breaker } = breakers();
    breaker.record('a', true);
    breaker.record('a', true);
    breaker.record('a', false);
    breaker.record('a', true);
    breaker.record('a', true);
    expect(breaker.state('a')).toBe('closed');
    expect(breaker.admit('a')).toEqual({ send: true });
    expect(breaker.slots('a', 8, 2)).toBe(6);
  });

  it('opens after N consecutive failures, then gives no slots and defers until the pause ends', () => {
    const { breaker, changes, clock } = breakers();
    for (let i = 0; i < 3; i += 1) breaker.record('a', true);
    expect(breaker.state('a')).toBe('open');
    expect(breaker.slots('a', 8, 0)).toBe(0);
    expect(breaker.admit('a')).toEqual({ send: false, until: clock.now() + 1_000 });
    expect(changes).toEqual(['open']);
  });

  it('lets exactly one probe through after the pause, and closes when it succeeds', () => {
    const { breaker, clock, changes } = breakers();
    for (let i = 0; i < 3; i += 1) breaker.record('a', true);
    clock.advance(999);
    expect(breaker.state('a')).toBe('open');
    clock.advance(1);
    expect(breaker.state('a')).toBe('half_open');
    expect(breaker.slots('a', 8, 0)).toBe(1);
    expect(breaker.admit('a')).toEqual({ send: true });
    expect(breaker.slots('a', 8, 1)).toBe(0);
    breaker.record('a', false);
    expect(breaker.state('a')).toBe('closed');
    expect(changes).toEqual(['open', 'half_open', 'closed']);
  });

  it('reopens for twice the pause when the probe fails, up to the maximum', () => {
    const { breaker, clock } = breakers();
    for (let i = 0; i < 3; i += 1) breaker.record('a', true);
    const pauses: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      let waited = 0;
      while (breaker.state('a') === 'open') {
        clock.advance(100);
        waited += 100;
      }
      pauses.push(waited);
      breaker.record('a', true);
    }
    expect(pauses).toEqual([1_000, 2_000, 3_000]);
  });

  it('keeps subscriptions apart', () => {
    const { breaker } = breakers();
    for (let i = 0; i < 3; i += 1) breaker.record('dead', true);
    expect(breaker.admit('dead').send).toBe(false);
    expect(breaker.admit('healthy')).toEqual({ send: true });
    expect(breaker.tracked()).toEqual(['dead']);
  });
});
