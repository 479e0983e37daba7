/**
 * How many attempts each subscription may have in flight: a window sized by how its endpoint
 * answers, not a fixed count. Little's law sets what a rate needs (rate × answer time in flight),
 * so a fixed window caps every endpoint at window ÷ answer time. Here the window grows by one for
 * each answer about as fast as the endpoint's usual (a moving average) that came back while the
 * window was full, so it can double each round trip while the endpoint keeps up, whether it answers
 * in 1 ms or in 300 ms. It shrinks by a quarter on a failure (5xx, timeout, refused connection),
 * and when an answer takes four times the usual and 250 ms more: an endpoint that starts queueing
 * is not piled on, while the few-ms hiccups of a busy machine move nothing. Between `min` and
 * `max`; a subscription starts at `initial`.
 */
export interface WindowPolicy {
  initial: number;
  min: number;
  max: number;
}

const FAST_FACTOR = 2;
const FAST_NOISE_MS = 5;
const SLOW_FACTOR = 4;
const SLOW_EXTRA_MS = 250;
/** Weight of the newest answer in the moving average. */
const SMOOTHING = 0.1;

interface State {
  limit: number;
  usualMs: number;
}

export class DeliveryWindows {
  private readonly states = new Map<string, State>();

  constructor(private readonly policy: WindowPolicy) {}

  /** The subscriptions that have a window of their own (an answer was seen). */
  tracked(): IterableIterator<string> {
    return this.states.keys();
  }

  limit(subscriptionId: string): number {
    return this.states.get(subscriptionId)?.limit ?? this.initial();
  }

  /**
   * One finished attempt: how long it held its slot (the request and its record), whether it
   * succeeded, and whether the window was full at some time while it was out (only a full window
   * says more room would have been used).
   */
  observe(subscriptionId: string, latencyMs: number, ok: boolean, windowWasFull: boolean): void {
    let state = this.states.get(subscriptionId);
    if (!state) {
      state = { limit: this.initial(), usualMs: latencyMs };
      this.states.set(subscriptionId, state);
    }
    const { min, max } = this.policy;
    const usual = state.usualMs;
    if (!ok || latencyMs > Math.max(usual * SLOW_FACTOR, usual + SLOW_EXTRA_MS)) {
      state.limit = Math.max(min, Math.floor(state.limit * 0.75));
    } else if (windowWasFull && latencyMs <= usual * FAST_FACTOR + FAST_NOISE_MS) {
      state.limit = Math.min(max, state.limit + 1);
    }
    state.usualMs = usual + (latencyMs - usual) * SMOOTHING;
  }

  private initial(): number {
    return Math.min(this.policy.max, Math.max(this.policy.min, this.policy.initial));
  }
}
