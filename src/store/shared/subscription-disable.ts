import type { RecordedAttempt } from '../delivery-ports.js';
import { finishedAt } from './delivery-rows.js';

/**
 * Disabling a subscription that stopped receiving, written once for both stores (the statement
 * uses `$1` placeholders, which SQLite binds by name, see sql-ops.ts). An operator's disable and a
 * 410 Gone go through each adapter's one patchSubscription: the subscription is marked disabled
 * with its reason, and its pending deliveries become dead letters. A 410 does both inside the
 * transaction that records the attempt (recordDeliveryAttempts), so no claim can see the attempt
 * (which frees the ordering key's next delivery) without also seeing the subscription disabled.
 */

/** The last error of each pending delivery dead-lettered because its subscription was disabled. */
export function disabledDeliveryError(reason: string): string {
  return `subscription disabled: ${reason}`;
}

/** $1 subscription id, $2 error, $3 now: pending → dead for every pending delivery it has. */
export const DEAD_LETTER_PENDING_SQL = `UPDATE deliveries SET state = 'dead', last_error = $2,
    finished_at = $3, lease_owner = NULL, lease_until = NULL
  WHERE subscription_id = $1 AND state = 'pending'`;

/** The deliveries among the recorded attempts whose subscription is to be disabled, with the reason. */
export function disablingEntries(
  entries: readonly RecordedAttempt[],
): { deliveryId: number; reason: string }[] {
  return entries.flatMap(({ deliveryId, next }) =>
    next.state === 'dead' && next.disableSubscription !== undefined
      ? [{ deliveryId, reason: next.disableSubscription }]
      : [],
  );
}

/** When a batch of recorded attempts disables a subscription: as its last attempt finished. */
export function disabledAt(entries: readonly RecordedAttempt[]): number {
  return Math.max(0, ...entries.map(({ attempt }) => finishedAt(attempt)));
}
