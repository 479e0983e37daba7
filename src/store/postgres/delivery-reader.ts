import type pg from 'pg';
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
  type SubscriptionRecord,
  toDeliveryListing,
  toEventDelivery,
  toSubscription,
} from '../shared/delivery-rows.js';
import type { Queryable } from './sql.js';
import { COLUMNS } from './subscriptions.js';

/**
 * What an operator reads about deliveries still in play, as in the SQLite adapter. Every query
 * says `state <> 'succeeded'` so the planner can use the partial indexes of migration 011, which
 * hold no succeeded row: a page costs its limit, not the delivery history.
 */
export async function listDeliveries(db: Queryable, query: DeliveryListQuery): Promise<DeliveryListing[]> {
  const params: unknown[] = [query.state, query.afterId ?? 0, query.limit];
  let bySubscription = '';
  if (query.subscriptionId !== undefined) {
    params.push(query.subscriptionId);
    bySubscription = `AND d.subscription_id = $${params.length}`;
  }
  const result = await db.query<ListingRecord & pg.QueryResultRow>(
    `SELECT ${LISTING_COLUMNS} FROM deliveries d JOIN events e ON e.seq = d.event_seq
     WHERE d.state = $1 AND d.state <> 'succeeded' ${bySubscription} AND d.id > $2
     ORDER BY d.id LIMIT $3`,
    params,
  );
  return result.rows.map(toDeliveryListing);
}

export async function subscriptionBacklogs(db: Queryable): Promise<SubscriptionBacklog[]> {
  const result = await db.query<{
    subscription_id: string;
    pending: number;
    dead: number;
    oldest_pending_at: number | null;
  }>(
    `SELECT b.subscription_id, b.pending, b.dead, o.created_at AS oldest_pending_at
     FROM (SELECT subscription_id,
             COUNT(*) FILTER (WHERE state = 'pending')::int AS pending,
             COUNT(*) FILTER (WHERE state = 'dead')::int AS dead,
             MIN(id) FILTER (WHERE state = 'pending') AS oldest_id
           FROM deliveries WHERE state <> 'succeeded' GROUP BY subscription_id) b
     LEFT JOIN deliveries o ON o.id = b.oldest_id
     ORDER BY b.subscription_id`,
  );
  return result.rows.map((row) => ({
    subscriptionId: row.subscription_id,
    pending: Number(row.pending),
    dead: Number(row.dead),
    oldestPendingAt: row.oldest_pending_at === null ? null : Number(row.oldest_pending_at),
  }));
}

export async function setSubscriptionPaused(
  db: Queryable,
  id: string,
  paused: boolean,
  now: number,
): Promise<Subscription | undefined> {
  // A second pause keeps the first one's time: it says since when nothing was sent.
  const result = await db.query<SubscriptionRecord & pg.QueryResultRow>(
    `UPDATE subscriptions SET paused_at = CASE WHEN $2 THEN COALESCE(paused_at, $3) END, updated_at = $3
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, paused, now],
  );
  const record = result.rows[0];
  return record ? toSubscription(record) : undefined;
}

/** The deliveries of a few events (one message's), through the deliveries_event index. */
export async function listEventDeliveries(
  db: Queryable,
  eventSeqs: readonly number[],
  limit: number,
): Promise<EventDelivery[]> {
  if (eventSeqs.length === 0) return [];
  const result = await db.query<EventDeliveryRecord & pg.QueryResultRow>(
    `SELECT ${EVENT_DELIVERY_COLUMNS} FROM deliveries d
     WHERE d.event_seq = ANY($1::bigint[]) ORDER BY d.id LIMIT $2`,
    [[...eventSeqs], limit],
  );
  return result.rows.map(toEventDelivery);
}
