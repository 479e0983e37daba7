import type pg from 'pg';
import { subscriptionMatches } from '../delivery-ports.js';
import type { StoredEvent } from '../ports.js';
import { type SubscriptionRecord, toSubscription } from '../shared/delivery-rows.js';
import { LOCK_CLASS } from './locks.js';
import { insertRows } from './sql.js';

/**
 * The outbox half of the processing transaction: a pending delivery row per new event × matching
 * enabled subscription, due at once, written with the events so neither exists without the other.
 *
 * Each row takes the next sequence number of its (subscription, ordering key). Two workers must
 * not hand out the same number, so this runs under the events lock (processing.ts), which
 * insertEvents has already taken in this transaction; taking it again here costs nothing and keeps
 * the rule true for any caller. Events arrive in seq order, so sequence order is event order.
 */
export async function enqueueDeliveries(
  client: pg.PoolClient,
  events: readonly StoredEvent[],
  now: number,
  schemaKey: number,
): Promise<number> {
  if (events.length === 0) return 0;
  const records = await client.query<SubscriptionRecord & pg.QueryResultRow>(
    `SELECT id, url, events, phone_number_ids, secret, headers, description, enabled::int AS enabled,
       disabled_reason, source, created_at, updated_at FROM subscriptions WHERE enabled`,
  );
  const subscriptions = records.rows.map(toSubscription);
  if (subscriptions.length === 0) return 0;
  await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS.events, schemaKey]);
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  const existing = await client.query<{ subscription_id: string; event_seq: number }>(
    'SELECT subscription_id, event_seq FROM deliveries WHERE event_seq = ANY($1::bigint[])',
    [sorted.map((event) => event.seq)],
  );
  const done = new Set(existing.rows.map((row) => `${row.subscription_id}\n${row.event_seq}`));
  const last = await lastSequences(
    client,
    sorted,
    subscriptions.map((s) => s.id),
  );
  const rows: unknown[][] = [];
  for (const event of sorted) {
    for (const subscription of subscriptions) {
      if (!subscriptionMatches(subscription, event) || done.has(`${subscription.id}\n${event.seq}`)) continue;
      const key = `${subscription.id}\n${event.orderingKey}`;
      const sequence = (last.get(key) ?? 0) + 1;
      last.set(key, sequence);
      rows.push([
        subscription.id,
        event.seq,
        event.id,
        event.orderingKey,
        sequence,
        now,
        event.createdAt,
        now,
      ]);
    }
  }
  const inserted = await insertRows(
    client,
    `INSERT INTO deliveries (subscription_id, event_seq, event_id, ordering_key, sequence, next_attempt_at,
       event_created_at, created_at)`,
    ['', '', '', '', '', '', '', ''],
    rows,
    'ON CONFLICT (subscription_id, event_seq) DO NOTHING RETURNING id',
  );
  return inserted.length;
}

/** The highest sequence handed out so far per (subscription, ordering key) these events touch. */
async function lastSequences(
  client: pg.PoolClient,
  events: readonly StoredEvent[],
  subscriptionIds: readonly string[],
): Promise<Map<string, number>> {
  const keys = [...new Set(events.map((event) => event.orderingKey))];
  const result = await client.query<{ subscription_id: string; ordering_key: string; last: number }>(
    `SELECT subscription_id, ordering_key, MAX(sequence) AS last FROM deliveries
     WHERE subscription_id = ANY($1::text[]) AND ordering_key = ANY($2::text[])
     GROUP BY subscription_id, ordering_key`,
    [[...subscriptionIds], keys],
  );
  return new Map(result.rows.map((row) => [`${row.subscription_id}\n${row.ordering_key}`, row.last]));
}
