import type Database from 'better-sqlite3';
import type {
  DeliveryListing,
  DeliveryListQuery,
  EventDelivery,
  Subscription,
  SubscriptionBacklog,
} from '../delivery-ports.js';
import {
  EVENT_DELIVERY_COLUMNS,
  type EventDeliveryRecord,
  LISTING_COLUMNS,
  type ListingRecord,
  toDeliveryListing,
  toEventDelivery,
} from '../shared/delivery-rows.js';
import { getSubscription } from './subscriptions.js';

/**
 * What an operator reads about deliveries still in play. Every query names `state <> 'succeeded'`
 * word for word so SQLite picks the partial indexes of migration 011, which hold no succeeded row:
 * a page costs its limit, not the delivery history.
 */
export function listDeliveries(db: Database.Database, query: DeliveryListQuery): DeliveryListing[] {
  const bySubscription = query.subscriptionId === undefined ? '' : 'AND d.subscription_id = @subscriptionId';
  const records = db
    .prepare(
      `SELECT ${LISTING_COLUMNS} FROM deliveries d JOIN events e ON e.seq = d.event_seq
       WHERE d.state = @state AND d.state <> 'succeeded' ${bySubscription} AND d.id > @afterId
       ORDER BY d.id LIMIT @limit`,
    )
    .all({
      state: query.state,
      afterId: query.afterId ?? 0,
      limit: query.limit,
      ...(query.subscriptionId === undefined ? {} : { subscriptionId: query.subscriptionId }),
    }) as ListingRecord[];
  return records.map(toDeliveryListing);
}

export function subscriptionBacklogs(db: Database.Database): SubscriptionBacklog[] {
  const rows = db
    .prepare(
      `SELECT subscription_id,
         COALESCE(SUM(state = 'pending'), 0) AS pending,
         COALESCE(SUM(state = 'dead'), 0) AS dead,
         MIN(CASE WHEN state = 'pending' THEN id END) AS oldest_id
       FROM deliveries WHERE state <> 'succeeded' GROUP BY subscription_id ORDER BY subscription_id`,
    )
    .all() as { subscription_id: string; pending: number; dead: number; oldest_id: number | null }[];
  const createdAt = db.prepare('SELECT created_at FROM deliveries WHERE id = ?').pluck();
  return rows.map((row) => ({
    subscriptionId: row.subscription_id,
    pending: row.pending,
    dead: row.dead,
    oldestPendingAt: row.oldest_id === null ? null : (createdAt.get(row.oldest_id) as number),
  }));
}

export function setSubscriptionPaused(
  db: Database.Database,
  id: string,
  paused: boolean,
  now: number,
): Subscription | undefined {
  // A second pause keeps the first one's time: it says since when nothing was sent.
  db.prepare(
    `UPDATE subscriptions SET paused_at = CASE WHEN @paused THEN COALESCE(paused_at, @now) END,
       updated_at = @now WHERE id = @id`,
  ).run({ id, paused: paused ? 1 : 0, now });
  return getSubscription(db, id);
}

/** The deliveries of a few events (one message's), through the deliveries_event index. */
export function listEventDeliveries(
  db: Database.Database,
  eventSeqs: readonly number[],
  limit: number,
): EventDelivery[] {
  if (eventSeqs.length === 0) return [];
  const records = db
    .prepare(
      `SELECT ${EVENT_DELIVERY_COLUMNS} FROM deliveries d
       WHERE d.event_seq IN (SELECT value FROM json_each(?)) ORDER BY d.id LIMIT ?`,
    )
    .all(JSON.stringify(eventSeqs), limit) as EventDeliveryRecord[];
  return records.map(toEventDelivery);
}
