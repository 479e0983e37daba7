import type Database from 'better-sqlite3';
import type {
  AttemptRecord,
  ClaimedDelivery,
  DeferredDelivery,
  DeliveryClaim,
  DeliveryNext,
  DeliveryQueueStats,
  RecordedAttempt,
} from '../delivery-ports.js';
import { pickClaim, retriedBatchIds } from '../shared/delivery-batches.js';
import {
  type CandidateRecord,
  finishedAt,
  inDueOrder,
  scanSizeSql,
  scanSizes,
  toClaimed,
} from '../shared/delivery-rows.js';
import { disabledAt, disablingEntries } from '../shared/subscription-disable.js';
import { prepared } from './prepared.js';
import { patchSubscription, subscriptionOfDelivery } from './subscriptions.js';

/**
 * The delivery queue on SQLite: claim due rows with a lease, then record each attempt and the
 * move it decided, in one transaction each. These functions run on the store's main connection
 * under its lock, so nothing else interleaves with a claim.
 */

export function claimDeliveries(db: Database.Database, claim: DeliveryClaim): ClaimedDelivery[] {
  if (claim.limit <= 0) return [];
  // One write transaction from the read to the last lease: one fsync, and no other process can
  // lease or finish a row in between.
  return db.transaction(() => claimWithin(db, claim)).immediate();
}

function claimWithin(db: Database.Database, claim: DeliveryClaim): ClaimedDelivery[] {
  const sizes = scanSizes(claim);
  const enabled = prepared(db, OPEN_SUBSCRIPTIONS_SQL).all({
    known: JSON.stringify(Object.fromEntries(sizes.known)),
    otherwise: sizes.otherwise,
    lane: claim.lane,
  }) as { id: string; scan: number }[];
  const candidates: CandidateRecord[] = [];
  for (const { id: subscriptionId, scan } of enabled) {
    if (scan === 0) continue;
    const rows = prepared(db, DUE_SQL).all({ subscriptionId, lane: claim.lane, now: claim.now, scan });
    candidates.push(...(rows as CandidateRecord[]));
  }
  const chosen = pickClaim(inDueOrder(candidates), claim);
  // A leased row is next due when its lease runs out (delivery-states.ts, pending): the scan of
  // due rows in next_attempt_at order then starts past the rows in flight, where it read them all
  // again at every claim (hundreds for a batched subscription). A batch's members share the time,
  // so a retry brings them back together.
  const lease = prepared(
    db,
    `UPDATE deliveries SET lease_owner = @owner, lease_until = @until, batch_id = @batchId,
       next_attempt_at = @until
     WHERE id = @id AND state = 'pending' AND (lease_until IS NULL OR lease_until < @now)`,
  );
  const until = claim.now + claim.leaseMs;
  const leased = chosen.filter(
    ({ record, batchId }) =>
      lease.run({ id: record.delivery_id, owner: claim.owner, until, now: claim.now, batchId }).changes,
  );
  const broken = releaseIncompleteBatches(db, retriedBatchIds(leased), claim.owner, until, claim.now);
  return leased
    .filter(({ batchId }) => batchId === null || !broken.has(batchId))
    .map(({ record, batchId }) => toClaimed(record, batchId));
}

/**
 * A retried batch goes out only whole: when one of its pending members is not leased by this
 * claim (the scan stopped short of it), the members that were leased are let go again, unsent and
 * uncounted, and the batch is claimed whole on a later turn.
 */
function releaseIncompleteBatches(
  db: Database.Database,
  batchIds: readonly string[],
  owner: string,
  until: number,
  now: number,
): Set<string> {
  if (batchIds.length === 0) return new Set();
  const missing = prepared(
    db,
    `SELECT 1 FROM deliveries INDEXED BY deliveries_batch_pending
     WHERE batch_id = @batchId AND state = 'pending'
       AND (lease_owner IS NOT @owner OR lease_until IS NOT @until) LIMIT 1`,
  );
  const release = prepared(
    db,
    `UPDATE deliveries SET lease_owner = NULL, lease_until = NULL, next_attempt_at = @now
     WHERE batch_id = @batchId AND state = 'pending' AND lease_owner = @owner AND lease_until = @until`,
  );
  const broken = new Set<string>();
  for (const batchId of batchIds) {
    if (!missing.get({ batchId, owner, until })) continue;
    release.run({ batchId, owner, until, now });
    broken.add(batchId);
  }
  return broken;
}

/** Each enabled, unpaused subscription with its scan size (@known: the claim's sizes by id, as JSON). */
const OPEN_SUBSCRIPTIONS_SQL = `SELECT s.id, ${scanSizeSql('COALESCE(known.value, @otherwise)', '@lane')} AS scan
  FROM subscriptions s LEFT JOIN json_each(@known) AS known ON known.key = s.id
  WHERE s.enabled = 1 AND s.paused_at IS NULL`;

/**
 * One subscription's due rows, oldest due first, skipping rows whose key has an earlier pending
 * row. That check names the partial index of pending rows: left to itself, SQLite took the index of
 * all rows with the same columns, and a long-lived key (a conversation, a WABA's field events) made
 * it read the key's whole history for every candidate.
 */
export const DUE_SQL = `SELECT d.id AS delivery_id, d.subscription_id, d.lane, d.attempts, d.sequence, d.next_attempt_at,
    d.created_at AS delivery_created_at, d.batch_id, s.url, s.secret, s.headers, s.batch_max_events,
    s.batch_max_wait_ms,
    e.seq, e.id, e.type, e.schema_version, e.created_at, e.ordering_key, e.phone_number_id, e.data
  FROM deliveries d
  JOIN subscriptions s ON s.id = d.subscription_id
  JOIN events e ON e.seq = d.event_seq
  WHERE d.subscription_id = @subscriptionId AND d.state = 'pending' AND d.lane = @lane
    AND d.next_attempt_at <= @now AND (d.lease_until IS NULL OR d.lease_until < @now)
    AND NOT EXISTS (
      SELECT 1 FROM deliveries p INDEXED BY deliveries_key_pending
      WHERE p.subscription_id = d.subscription_id AND p.ordering_key = d.ordering_key
        AND p.sequence < d.sequence AND p.state = 'pending'
        AND (@lane = 'replay' OR p.lane = 'live'))
  ORDER BY d.next_attempt_at, d.id
  LIMIT @scan`;

export function recordDeliveryAttempts(
  db: Database.Database,
  entries: readonly RecordedAttempt[],
): boolean[] {
  const insert = prepared(
    db,
    `INSERT INTO delivery_attempts (delivery_id, attempted_at, outcome, status, latency_ms, response_prefix, error)
     SELECT @deliveryId, @attemptedAt, @outcome, @status, @latencyMs, @responsePrefix, @error
     WHERE EXISTS (SELECT 1 FROM deliveries WHERE id = @deliveryId)`,
  );
  return db.transaction(() => {
    const applied = entries.map(({ deliveryId, owner, attempt, next }) => {
      insert.run({ ...attempt, latencyMs: Math.round(attempt.latencyMs), deliveryId });
      return applyNext(db, deliveryId, owner, attempt, next);
    });
    // After the moves, so each member of a batch keeps its own 410 as its last error.
    const now = disabledAt(entries);
    for (const { deliveryId, reason } of disablingEntries(entries)) {
      disableSubscriptionOf(db, deliveryId, reason, now);
    }
    return applied;
  })();
}

/** A 410 disables the delivery's subscription as an operator's disable does, unless it already is. */
function disableSubscriptionOf(db: Database.Database, deliveryId: number, reason: string, now: number): void {
  const subscription = subscriptionOfDelivery(db, deliveryId);
  if (subscription?.enabled) patchSubscription(db, subscription, { enabled: false }, now, reason);
}

function applyNext(
  db: Database.Database,
  deliveryId: number,
  owner: string,
  attempt: AttemptRecord,
  next: DeliveryNext,
): boolean {
  const params = {
    id: deliveryId,
    owner,
    status: attempt.status,
    finishedAt: finishedAt(attempt),
    // Any success moves the row, whoever holds the lease now: the event did reach the subscriber.
    anyOwner: next.state === 'succeeded' ? 1 : 0,
  };
  const guard = `WHERE id = @id AND state = 'pending' AND (lease_owner = @owner OR @anyOwner = 1)`;
  const released = 'attempts = attempts + 1, last_status = @status, lease_owner = NULL, lease_until = NULL';
  switch (next.state) {
    case 'succeeded':
      return (
        prepared(
          db,
          `UPDATE deliveries SET state = 'succeeded', ${released}, last_error = NULL,
             finished_at = @finishedAt ${guard}`,
        ).run(params).changes === 1
      );
    case 'pending':
      return (
        prepared(
          db,
          `UPDATE deliveries SET ${released}, last_error = @error, next_attempt_at = @nextAttemptAt ${guard}`,
        ).run({ ...params, error: attempt.error, nextAttemptAt: next.nextAttemptAt }).changes === 1
      );
    case 'dead':
      return (
        prepared(
          db,
          `UPDATE deliveries SET state = 'dead', ${released}, last_error = @error,
             finished_at = @finishedAt ${guard}`,
        ).run({ ...params, error: next.error }).changes === 1
      );
  }
}

export function deliveryQueueStats(db: Database.Database, now: number): DeliveryQueueStats {
  const pending = db
    .prepare(
      `SELECT COUNT(*) AS pending, COALESCE(SUM(next_attempt_at <= @now), 0) AS due,
         MIN(CASE WHEN next_attempt_at <= @now THEN next_attempt_at END) AS oldest
       FROM deliveries WHERE state = 'pending'`,
    )
    .get({ now }) as { pending: number; due: number; oldest: number | null };
  const dead = db.prepare(`SELECT COUNT(*) AS dead FROM deliveries WHERE state = 'dead'`).get() as {
    dead: number;
  };
  return { due: pending.due, pending: pending.pending, dead: dead.dead, oldestDueAt: pending.oldest };
}

export function deferDeliveries(db: Database.Database, entries: readonly DeferredDelivery[]): void {
  const defer = prepared(
    db,
    `UPDATE deliveries SET next_attempt_at = @nextAttemptAt, lease_owner = NULL, lease_until = NULL
     WHERE id = @deliveryId AND state = 'pending' AND lease_owner = @owner`,
  );
  db.transaction(() => {
    for (const entry of entries) defer.run(entry);
  })();
}
