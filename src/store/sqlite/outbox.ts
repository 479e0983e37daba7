import type Database from 'better-sqlite3';
import { subscriptionMatches } from '../delivery-ports.js';
import type { StoredEvent } from '../ports.js';
import { type SubscriptionRecord, toSubscription } from '../shared/delivery-rows.js';
import { prepared } from './prepared.js';

/**
 * The outbox half of the processing transaction: a pending delivery row per new event × matching
 * enabled subscription, due at once. Because it runs inside the transaction that inserts the
 * events, an event is never stored without its deliveries nor delivered without being stored, and
 * a subscription only receives events committed after it was created.
 *
 * Each row takes the next sequence number of its (subscription, ordering key); events arrive here
 * in seq order, so sequence order is event order.
 */
export function enqueueDeliveries(
  db: Database.Database,
  events: readonly StoredEvent[],
  now: number,
): number {
  if (events.length === 0) return 0;
  const records = prepared(db, 'SELECT * FROM subscriptions WHERE enabled = 1').all() as SubscriptionRecord[];
  const subscriptions = records.map(toSubscription);
  if (subscriptions.length === 0) return 0;
  const nextSequence = prepared(
    db,
    `SELECT COALESCE(MAX(sequence), 0) + 1 AS next FROM deliveries
     WHERE subscription_id = ? AND ordering_key = ?`,
  );
  const insert = prepared(
    db,
    `INSERT INTO deliveries (subscription_id, event_seq, event_id, ordering_key, sequence, next_attempt_at,
       event_created_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (subscription_id, event_seq) DO NOTHING`,
  );
  let written = 0;
  for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
    for (const subscription of subscriptions) {
      if (!subscriptionMatches(subscription, event)) continue;
      const { next } = nextSequence.get(subscription.id, event.orderingKey) as { next: number };
      written += insert.run(
        subscription.id,
        event.seq,
        event.id,
        event.orderingKey,
        next,
        now,
        event.createdAt,
        now,
      ).changes;
    }
  }
  return written;
}
