import type Database from 'better-sqlite3';
import type {
  NewSubscription,
  Subscription,
  SubscriptionPatch,
  SubscriptionSpec,
} from '../delivery-ports.js';
import { type SubscriptionRecord, toSubscription } from '../shared/delivery-rows.js';
import { DEAD_LETTER_PENDING_SQL, disabledDeliveryError } from '../shared/subscription-disable.js';
import type { SubscriptionFileOps } from '../shared/subscriptions-file-sync.js';
import { prepared } from './prepared.js';

/** Subscriptions on SQLite. Each function runs on the caller's connection, under the store's lock. */
export function createSubscription(db: Database.Database, input: NewSubscription): Subscription {
  db.prepare(
    `INSERT INTO subscriptions (id, url, events, phone_number_ids, secret, headers, description, enabled,
       batch_max_events, batch_max_wait_ms, source, created_at, updated_at)
     VALUES (@id, @url, @events, @phoneNumberIds, @secret, @headers, @description, @enabled,
       @batchMaxEvents, @batchMaxWaitMs, @source, @now, @now)`,
  ).run(specParams(input, input.now));
  return getSubscription(db, input.id)!;
}

export function getSubscription(db: Database.Database, id: string): Subscription | undefined {
  const record = db.prepare('SELECT * FROM subscriptions WHERE id = ?').get(id) as
    | SubscriptionRecord
    | undefined;
  return record ? toSubscription(record) : undefined;
}

export function listSubscriptions(db: Database.Database): Subscription[] {
  const records = db.prepare('SELECT * FROM subscriptions ORDER BY created_at, id').all();
  return (records as SubscriptionRecord[]).map(toSubscription);
}

export function updateSubscription(
  db: Database.Database,
  id: string,
  patch: SubscriptionPatch,
  now: number,
  disabledReason?: string,
): Subscription | undefined {
  return db.transaction(() => {
    const current = getSubscription(db, id);
    return current && patchSubscription(db, current, patch, now, disabledReason);
  })();
}

/**
 * Writes `patch` over `current`, read in the caller's transaction. Disabling dead-letters the
 * pending deliveries with the reason (given, else the one it had, else an operator's); enabling
 * clears it. An operator's update and a 410 Gone (delivery-queue.ts) both come through here.
 */
export function patchSubscription(
  db: Database.Database,
  current: Subscription,
  patch: SubscriptionPatch,
  now: number,
  disabledReason?: string,
): Subscription {
  const next = { ...current, ...definedFields(patch) };
  const whyDisabled = disabledReason ?? current.disabledReason ?? 'disabled by an operator';
  const reason = next.enabled ? null : whyDisabled;
  prepared(
    db,
    `UPDATE subscriptions SET url = @url, events = @events, phone_number_ids = @phoneNumberIds,
       secret = @secret, headers = @headers, description = @description, enabled = @enabled,
       batch_max_events = @batchMaxEvents, batch_max_wait_ms = @batchMaxWaitMs,
       disabled_reason = @reason, updated_at = @now WHERE id = @id`,
  ).run({ ...specParams(next, now), reason });
  if (current.enabled && !next.enabled)
    deadLetterPending(db, current.id, disabledDeliveryError(whyDisabled), now);
  return getSubscription(db, current.id)!;
}

/** The subscription a delivery belongs to. */
export function subscriptionOfDelivery(db: Database.Database, deliveryId: number): Subscription | undefined {
  const record = prepared(
    db,
    'SELECT * FROM subscriptions WHERE id = (SELECT subscription_id FROM deliveries WHERE id = ?)',
  ).get(deliveryId) as SubscriptionRecord | undefined;
  return record ? toSubscription(record) : undefined;
}

export function deleteSubscription(db: Database.Database, id: string): boolean {
  return db.transaction(() => {
    // Attempts and deliveries go with it (ON DELETE CASCADE needs foreign_keys=ON, which every
    // connection sets).
    return db.prepare('DELETE FROM subscriptions WHERE id = ?').run(id).changes === 1;
  })();
}

/** The subscriptions-file rules over this connection; the caller holds the transaction. */
export function subscriptionFileOps(db: Database.Database): SubscriptionFileOps {
  return {
    get: async (id) => getSubscription(db, id),
    create: async (input) => createSubscription(db, input),
    update: async (id, patch, now, reason) => updateSubscription(db, id, patch, now, reason),
    markFromFile: async (id) => {
      db.prepare(`UPDATE subscriptions SET source = 'file' WHERE id = ?`).run(id);
    },
    list: async () => listSubscriptions(db),
  };
}

/** pending → dead for every pending delivery of a subscription that stopped receiving. */
function deadLetterPending(
  db: Database.Database,
  subscriptionId: string,
  error: string,
  now: number,
): number {
  return prepared(db, DEAD_LETTER_PENDING_SQL).run({ 1: subscriptionId, 2: error, 3: now }).changes;
}

function specParams(
  spec: Omit<Subscription, 'createdAt' | 'updatedAt' | 'disabledReason' | 'pausedAt' | 'source' | 'batch'> &
    Pick<SubscriptionSpec, 'batch'> & {
      source?: string;
    },
  now: number,
) {
  return {
    id: spec.id,
    url: spec.url,
    events: JSON.stringify(spec.events),
    phoneNumberIds: spec.phoneNumberIds === null ? null : JSON.stringify(spec.phoneNumberIds),
    secret: spec.secret,
    headers: JSON.stringify(spec.headers),
    description: spec.description,
    enabled: spec.enabled ? 1 : 0,
    batchMaxEvents: spec.batch?.maxEvents ?? null,
    batchMaxWaitMs: spec.batch?.maxWaitMs ?? null,
    source: spec.source ?? 'api',
    now,
  };
}

function definedFields<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;
}
