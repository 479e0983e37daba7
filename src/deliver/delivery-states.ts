import { checkMove, type Transition } from '../lib/state-machine.js';

/**
 * The delivery state machine.
 *
 * A delivery is one event for one subscription, written as `pending` in the same transaction as
 * the event (the outbox).
 *
 * - **pending**: waiting for its next attempt (`next_attempt_at`), or being attempted. A delivery
 *   loop that claims it takes a lease (`lease_owner`, `lease_until`); the lease is not a state: if
 *   the loop dies, the lease runs out and any loop may claim the row again, so every delivery is
 *   attempted at least once more after a crash. While leased, its `next_attempt_at` is the lease's
 *   end: when it is due again if no outcome is recorded. A pending delivery also holds back the later
 *   deliveries of its (subscription, ordering key) until it leaves this state. While its
 *   subscription's circuit breaker is open it is not claimed; one claimed just before the breaker
 *   opened is released unsent with its next attempt after the pause. Neither counts as an attempt.
 *   A batched subscription's deliveries are claimed and sent in batches (deliver-batch.ts); each
 *   member still makes every move below on its own row, all from the one answer to the batch.
 * - **succeeded**: the subscriber answered 2xx. Final.
 * - **dead**: a dead letter. Its retries ran out, or its subscription stopped receiving (an answer
 *   410 Gone, an operator, or the subscriptions file disabled it). It stays visible in
 *   `GET /v1/dead-letters` until a replay.
 *
 * What moves a delivery is listed below; `checkDeliveryTransition` is the one check, and the SQL
 * repeats each `from` state in its WHERE clause so a stale caller changes nothing.
 */
export const DELIVERY_STATES = ['pending', 'succeeded', 'dead'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export const DELIVERY_EVENTS = [
  'claimed',
  'lease_expired',
  'deferred_by_breaker',
  'answered_2xx',
  'failed_with_retries_left',
  'failed_last_retry',
  'subscription_disabled',
  'replayed',
] as const;
export type DeliveryEvent = (typeof DELIVERY_EVENTS)[number];

export const DELIVERY_TRANSITIONS: readonly Transition<DeliveryState, DeliveryEvent>[] = [
  { from: 'pending', on: 'claimed', to: 'pending', why: 'a loop leases a due row; the lease is a column' },
  { from: 'pending', on: 'lease_expired', to: 'pending', why: 'the loop died mid-attempt; claimable again' },
  {
    from: 'pending',
    on: 'deferred_by_breaker',
    to: 'pending',
    why: 'the breaker opened before it was sent: released unsent, next_attempt_at after the pause, no attempt counted',
  },
  { from: 'pending', on: 'answered_2xx', to: 'succeeded', why: 'the subscriber has the event' },
  {
    from: 'pending',
    on: 'failed_with_retries_left',
    to: 'pending',
    why: 'next_attempt_at moves by the retry schedule (or Retry-After)',
  },
  { from: 'pending', on: 'failed_last_retry', to: 'dead', why: 'the retry schedule is used up' },
  {
    from: 'pending',
    on: 'subscription_disabled',
    to: 'dead',
    why: '410 Gone or an operator disabled the subscription; replayable after re-enabling it',
  },
  {
    from: 'dead',
    on: 'replayed',
    to: 'pending',
    why: 'an operator replays it: replay lane, fresh retry budget, same event id',
  },
];

/** The state a delivery in `from` moves to on `on`; throws for a move the table does not allow. */
export function checkDeliveryTransition(from: DeliveryState, on: DeliveryEvent): DeliveryState {
  return checkMove(DELIVERY_TRANSITIONS, 'delivery', from, on);
}
