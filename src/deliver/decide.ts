import type { DeliveryEvent } from './delivery-states.js';
import { type AttemptOutcome, describeOutcome } from './outcome.js';
import { type Random, retryDelay } from './schedule.js';

/**
 * The one place that decides what follows an attempt: success, another try (when), a dead letter,
 * or disabling the subscription. Everything that retries or gives up goes through here.
 */
export type Decision =
  | { kind: 'succeeded' }
  | { kind: 'retry'; nextAttemptAt: number; delayMs: number; error: string }
  | { kind: 'dead'; error: string }
  | { kind: 'disable_subscription'; error: string };

export interface RetryPolicy {
  /** WAHOOK_DELIVERY_RETRY_DELAYS in milliseconds. */
  delaysMs: readonly number[];
}

/**
 * @param attemptsMade attempts completed including this one (1 after the first).
 */
export function decideAfterAttempt(
  outcome: AttemptOutcome,
  attemptsMade: number,
  policy: RetryPolicy,
  now: number,
  random: Random,
): Decision {
  if (outcome.kind === 'success') return { kind: 'succeeded' };
  const error = describeOutcome(outcome) ?? outcome.kind;
  if (outcome.kind === 'gone') return { kind: 'disable_subscription', error };
  const retryAfterMs = outcome.kind === 'http_error' ? outcome.retryAfterMs : null;
  const delayMs = retryDelay(policy.delaysMs, attemptsMade, random, retryAfterMs);
  if (delayMs === null) {
    return { kind: 'dead', error: `${error} (gave up after ${attemptsMade} attempts)` };
  }
  return { kind: 'retry', nextAttemptAt: now + delayMs, delayMs, error };
}

/** The state-machine event a decision stands for (see delivery-states.ts). */
export function decisionEvent(decision: Decision): DeliveryEvent {
  switch (decision.kind) {
    case 'succeeded':
      return 'answered_2xx';
    case 'retry':
      return 'failed_with_retries_left';
    case 'dead':
      return 'failed_last_retry';
    case 'disable_subscription':
      return 'subscription_disabled';
  }
}
