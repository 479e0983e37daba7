import type pg from 'pg';
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
import type { Queryable } from './sql.js';
import { patchSubscription, subscriptionOfDelivery } from './subscriptions.js';

/**
 * The delivery queue on PostgreSQL: the same claim and transitions as the SQLite adapter, made
 * safe for several delivery loops at once (see claimDeliveries).
 */

/**
 * Candidates are read without locks and picked within the free slots here; the lease is then
 * written only to picked rows that no other claimer is leasing at this instant (SKIP LOCKED) and
 * whose lease is still free once read under the row lock. Concurrent claimers that pick the same
 * row thus never both get it: the one that loses claims fewer rows this time, and none waits. A
 * retried batch split between two claimers that way is let go by both (releaseIncompleteBatches).
 */
export async function claimDeliveries(db: Queryable, claim: DeliveryClaim): Promise<ClaimedDelivery[]> {
  if (claim.limit <= 0) return [];
  const sizes = scanSizes(claim);
  // Each enabled, unpaused subscription's due rows are read on their own (LATERAL, bounded by its
  // scan size, which its batch settings in the same row size further): one round trip.
  const candidates = await db.query<CandidateRecord & pg.QueryResultRow>(
    `WITH open AS (
       SELECT s.id, s.url, s.secret, s.headers, s.batch_max_events, s.batch_max_wait_ms,
         ${scanSizeSql('COALESCE(known.scan, $5::int)', '$1::text')} AS scan
       FROM subscriptions s
       LEFT JOIN unnest($3::text[], $4::int[]) AS known(id, scan) ON known.id = s.id
       WHERE s.enabled AND s.paused_at IS NULL)
     SELECT c.*, o.id AS subscription_id, o.url, o.secret, o.headers, o.batch_max_events,
       o.batch_max_wait_ms
     FROM open o
     CROSS JOIN LATERAL (
       SELECT d.id AS delivery_id, d.lane, d.attempts, d.sequence, d.next_attempt_at,
         d.created_at AS delivery_created_at, d.batch_id,
         e.seq, e.id, e.type, e.schema_version, e.created_at, e.ordering_key, e.phone_number_id, e.data
       FROM deliveries d
       JOIN events e ON e.seq = d.event_seq
       WHERE d.subscription_id = o.id AND d.state = 'pending' AND d.lane = $1 AND d.next_attempt_at <= $2
         AND (d.lease_until IS NULL OR d.lease_until < $2)
         AND NOT EXISTS (
           SELECT 1 FROM deliveries p
           WHERE p.subscription_id = d.subscription_id AND p.ordering_key = d.ordering_key
             AND p.sequence < d.sequence AND p.state = 'pending'
             AND ($1 = 'replay' OR p.lane = 'live'))
       ORDER BY d.next_attempt_at, d.id
       LIMIT o.scan) c
     WHERE o.scan > 0`,
    [claim.lane, claim.now, [...sizes.known.keys()], [...sizes.known.values()], sizes.otherwise],
  );
  const chosen = pickClaim(inDueOrder(candidates.rows), claim);
  if (chosen.length === 0) return [];
  const until = claim.now + claim.leaseMs;
  // A leased row is next due when its lease runs out (delivery-states.ts, pending): the scan of
  // due rows in next_attempt_at order then starts past the rows in flight, where it read them all
  // again at every claim (hundreds for a batched subscription). A batch's members share the time,
  // so a retry brings them back together.
  const leased = await db.query<{ id: number }>(
    `UPDATE deliveries d SET lease_owner = $1, lease_until = $2, batch_id = v.batch_id,
       next_attempt_at = $2
     FROM unnest($3::bigint[], $5::text[]) AS v(id, batch_id)
     WHERE d.id = v.id AND d.id IN (
       SELECT id FROM deliveries
       WHERE id = ANY($3::bigint[]) AND state = 'pending' AND (lease_until IS NULL OR lease_until < $4)
       FOR UPDATE SKIP LOCKED)
     RETURNING d.id`,
    [
      claim.owner,
      until,
      chosen.map((entry) => entry.record.delivery_id),
      claim.now,
      chosen.map((entry) => entry.batchId),
    ],
  );
  const ids = new Set(leased.rows.map((row) => Number(row.id)));
  const mine = chosen.filter((entry) => ids.has(entry.record.delivery_id));
  const broken = await releaseIncompleteBatches(db, retriedBatchIds(mine), claim.owner, until, claim.now);
  return mine
    .filter(({ batchId }) => batchId === null || !broken.has(batchId))
    .map(({ record, batchId }) => toClaimed(record, batchId));
}

/**
 * A retried batch goes out only whole: when one of its pending members is not leased by this
 * claim (the scan stopped short of it, or another claimer took it), the members this claim leased
 * are let go again, unsent and uncounted, and the batch is claimed whole on a later turn.
 */
async function releaseIncompleteBatches(
  db: Queryable,
  batchIds: readonly string[],
  owner: string,
  until: number,
  now: number,
): Promise<Set<string>> {
  if (batchIds.length === 0) return new Set();
  const released = await db.query<{ batch_id: string }>(
    `UPDATE deliveries SET lease_owner = NULL, lease_until = NULL, next_attempt_at = $4
     WHERE batch_id IN (
         SELECT batch_id FROM deliveries
         WHERE batch_id = ANY($1::text[]) AND state = 'pending'
           AND (lease_owner IS DISTINCT FROM $2 OR lease_until IS DISTINCT FROM $3))
       AND state = 'pending' AND lease_owner = $2 AND lease_until = $3
     RETURNING batch_id`,
    [batchIds, owner, until, now],
  );
  return new Set(released.rows.map((row) => row.batch_id));
}

/** Runs inside the caller's transaction: every attempt and its move commit together. */
export async function recordDeliveryAttempts(
  client: pg.PoolClient,
  entries: readonly RecordedAttempt[],
): Promise<boolean[]> {
  const disabling = disablingEntries(entries);
  // A disable dead-letters every pending delivery of its subscription, rows another recorder may
  // be moving in its own batch. So when this batch disables anything, it first locks the
  // subscriptions of all its entries, in id order, as an operator's disable does (the
  // subscription, then its deliveries): two recorders disabling different subscriptions that each
  // hold a delivery of the other's then wait in line instead of deadlocking. NO KEY UPDATE: the
  // key lock that new deliveries' foreign keys take is not blocked.
  if (disabling.length > 0) {
    await client.query(
      `SELECT s.id FROM subscriptions s
       WHERE s.id IN (SELECT d.subscription_id FROM deliveries d WHERE d.id = ANY($1::bigint[]))
       ORDER BY s.id FOR NO KEY UPDATE OF s`,
      [entries.map((entry) => entry.deliveryId)],
    );
  }
  const applied: boolean[] = [];
  for (const { deliveryId, owner, attempt, next } of entries) {
    await client.query(
      `INSERT INTO delivery_attempts (delivery_id, attempted_at, outcome, status, latency_ms, response_prefix, error)
       SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM deliveries WHERE id = $1)`,
      [
        deliveryId,
        attempt.attemptedAt,
        attempt.outcome,
        attempt.status,
        Math.round(attempt.latencyMs),
        attempt.responsePrefix,
        attempt.error,
      ],
    );
    applied.push(await applyNext(client, deliveryId, owner, attempt, next));
  }
  // After the moves, so each member of a batch keeps its own 410 as its last error.
  const now = disabledAt(entries);
  for (const { deliveryId, reason } of disabling) {
    await disableSubscriptionOf(client, deliveryId, reason, now);
  }
  return applied;
}

/**
 * A 410 disables the delivery's subscription as an operator's disable does, unless it already is.
 * The row was locked above (NO KEY UPDATE) and is read without a lock of its own: updateSubscription's
 * FOR UPDATE would raise it to the strength that holds up new deliveries' foreign keys.
 */
async function disableSubscriptionOf(
  client: pg.PoolClient,
  deliveryId: number,
  reason: string,
  now: number,
): Promise<void> {
  const subscription = await subscriptionOfDelivery(client, deliveryId);
  if (subscription?.enabled) await patchSubscription(client, subscription, { enabled: false }, now, reason);
}

async function applyNext(
  client: pg.PoolClient,
  deliveryId: number,
  owner: string,
  attempt: AttemptRecord,
  next: DeliveryNext,
): Promise<boolean> {
  // Any success moves the row, whoever holds the lease now: the event did reach the subscriber.
  const anyOwner = next.state === 'succeeded';
  const guard = `WHERE id = $1 AND state = 'pending' AND (lease_owner = $2 OR $3)`;
  const released = 'attempts = attempts + 1, last_status = $4, lease_owner = NULL, lease_until = NULL';
  const base = [deliveryId, owner, anyOwner, attempt.status];
  const result =
    next.state === 'succeeded'
      ? await client.query(
          `UPDATE deliveries SET state = 'succeeded', ${released}, last_error = NULL, finished_at = $5 ${guard}`,
          [...base, finishedAt(attempt)],
        )
      : next.state === 'pending'
        ? await client.query(
            `UPDATE deliveries SET ${released}, last_error = $5, next_attempt_at = $6 ${guard}`,
            [...base, attempt.error, next.nextAttemptAt],
          )
        : await client.query(
            `UPDATE deliveries SET state = 'dead', ${released}, last_error = $5, finished_at = $6 ${guard}`,
            [...base, next.error, finishedAt(attempt)],
          );
  return result.rowCount === 1;
}

export async function deliveryQueueStats(db: Queryable, now: number): Promise<DeliveryQueueStats> {
  const result = await db.query<{ pending: number; due: number; oldest: number | null; dead: number }>(
    `SELECT COUNT(*) FILTER (WHERE state = 'pending') AS pending,
       COUNT(*) FILTER (WHERE state = 'pending' AND next_attempt_at <= $1) AS due,
       MIN(next_attempt_at) FILTER (WHERE state = 'pending' AND next_attempt_at <= $1) AS oldest,
       COUNT(*) FILTER (WHERE state = 'dead') AS dead
     FROM deliveries WHERE state IN ('pending', 'dead')`,
    [now],
  );
  const row = result.rows[0] ?? { pending: 0, due: 0, oldest: null, dead: 0 };
  return { due: row.due, pending: row.pending, dead: row.dead, oldestDueAt: row.oldest };
}

export async function deferDeliveries(db: Queryable, entries: readonly DeferredDelivery[]): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `UPDATE deliveries d SET next_attempt_at = v.next_attempt_at, lease_owner = NULL, lease_until = NULL
     FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS v(id, owner, next_attempt_at)
     WHERE d.id = v.id AND d.state = 'pending' AND d.lease_owner = v.owner`,
    [
      entries.map((entry) => entry.deliveryId),
      entries.map((entry) => entry.owner),
      entries.map((entry) => entry.nextAttemptAt),
    ],
  );
}
