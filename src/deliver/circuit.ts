import type { Clock } from '../lib/clock.js';
import { checkMove, type Move } from '../lib/state-machine.js';

/**
 * A circuit breaker per subscription, held in the memory of each delivery loop.
 *
 * - **closed**: deliveries are sent, up to the per-subscription concurrency limit. Consecutive
 *   endpoint failures are counted; any success resets the count. At `failureThreshold` it opens.
 * - **open**: nothing is sent until `openUntil`. The subscription gets no claim slots, so its
 *   deliveries wait in the store; one claimed just before the breaker opened is put back with its
 *   next attempt at `openUntil`. Neither counts as an attempt: a retry budget is spent only on real
 *   requests, so an endpoint that is down for longer than the pause loses nothing to the pause.
 * - **half_open**: after the pause, exactly one delivery is sent as a probe. Success closes the
 *   breaker; failure opens it again for twice the previous pause (up to `maxOpenMs`).
 *
 * A success that arrives while open (an attempt started before it opened) closes it too: the
 * endpoint answers again. Replayed dead letters follow the same breaker: a replay into an endpoint
 * that is still failing would only turn them back into dead letters.
 */
export const BREAKER_STATES = ['closed', 'open', 'half_open'] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

type BreakerEvent = 'success' | 'failure_below_threshold' | 'failure_at_threshold' | 'pause_over';

export const BREAKER_TRANSITIONS: readonly Move<BreakerState, BreakerEvent>[] = [
  { from: 'closed', on: 'success', to: 'closed' },
  { from: 'closed', on: 'failure_below_threshold', to: 'closed' },
  { from: 'closed', on: 'failure_at_threshold', to: 'open' },
  { from: 'open', on: 'pause_over', to: 'half_open' },
  { from: 'open', on: 'success', to: 'closed' },
  { from: 'open', on: 'failure_below_threshold', to: 'open' },
  { from: 'open', on: 'failure_at_threshold', to: 'open' },
  { from: 'half_open', on: 'success', to: 'closed' },
  { from: 'half_open', on: 'failure_below_threshold', to: 'open' },
  { from: 'half_open', on: 'failure_at_threshold', to: 'open' },
];

function nextBreakerState(from: BreakerState, on: BreakerEvent): BreakerState {
  return checkMove(BREAKER_TRANSITIONS, 'breaker', from, on);
}

export interface BreakerPolicy {
  failureThreshold: number;
  openMs: number;
  maxOpenMs: number;
}

export const DEFAULT_BREAKER_POLICY: BreakerPolicy = {
  failureThreshold: 5,
  openMs: 30_000,
  maxOpenMs: 10 * 60_000,
};

interface Breaker {
  state: BreakerState;
  failures: number;
  openUntil: number;
  pauseMs: number;
}

export class CircuitBreakers {
  private readonly breakers = new Map<string, Breaker>();

  constructor(
    private readonly policy: BreakerPolicy,
    private readonly clock: Clock,
    private readonly onChange: (subscriptionId: string, state: BreakerState) => void = () => undefined,
  ) {}

  state(subscriptionId: string): BreakerState {
    const breaker = this.breakers.get(subscriptionId);
    if (!breaker) return 'closed';
    if (breaker.state === 'open' && this.clock.now() >= breaker.openUntil) {
      this.move(subscriptionId, breaker, 'pause_over');
    }
    return breaker.state;
  }

  /** Subscriptions whose breaker is not plainly closed (failures counted, open or half-open). */
  tracked(): string[] {
    return [...this.breakers.keys()];
  }

  /** How many more deliveries of the subscription may be claimed now. */
  slots(subscriptionId: string, limit: number, inFlight: number): number {
    switch (this.state(subscriptionId)) {
      case 'closed':
        return Math.max(0, limit - inFlight);
      case 'open':
        return 0;
      case 'half_open':
        return inFlight === 0 ? 1 : 0;
    }
  }

  /**
   * Whether a claimed delivery is sent now, or put back until the pause ends (the breaker opened
   * between its claim and its turn).
   */
  admit(subscriptionId: string): { send: true } | { send: false; until: number } {
    const breaker = this.breakers.get(subscriptionId);
    if (breaker && this.state(subscriptionId) === 'open') return { send: false, until: breaker.openUntil };
    return { send: true };
  }

  record(subscriptionId: string, endpointFailed: boolean): void {
    const breaker = this.breakers.get(subscriptionId);
    if (!endpointFailed) {
      if (!breaker) return;
      this.move(subscriptionId, breaker, 'success');
      this.breakers.delete(subscriptionId);
      return;
    }
    const current = breaker ?? { state: 'closed', failures: 0, openUntil: 0, pauseMs: 0 };
    if (!breaker) this.breakers.set(subscriptionId, current);
    current.failures += 1;
    const atThreshold = current.failures >= this.policy.failureThreshold;
    this.move(subscriptionId, current, atThreshold ? 'failure_at_threshold' : 'failure_below_threshold');
  }

  private move(subscriptionId: string, breaker: Breaker, on: BreakerEvent): void {
    const from = breaker.state;
    const to = nextBreakerState(from, on);
    if (to === 'open' && from !== 'open') {
      breaker.pauseMs =
        from === 'half_open' ? Math.min(breaker.pauseMs * 2, this.policy.maxOpenMs) : this.policy.openMs;
      breaker.openUntil = this.clock.now() + breaker.pauseMs;
    }
    if (on === 'success') breaker.failures = 0;
    breaker.state = to;
    if (to !== from) this.onChange(subscriptionId, to);
  }
}
