import type Database from 'better-sqlite3';
import type {
  FileSubscription,
  FileSyncResult,
  NewSubscription,
  Subscription,
  SubscriptionPatch,
} from '../delivery-ports.js';
import { type SubscriptionRecord, toSubscription } from '../shared/delivery-rows.js';

/** Subscriptions on SQLite. Each function runs on the caller's connection, under the store's lock. */
export function createSubscriptionSqlite(db: Database.Database, input: NewSubscription): Subscription {
  db.prepare(
    `INSERT INTO subscriptions (id, url, events, phone_number_ids, secret, headers, description, enabled,
       source, created_at, updated_at)
     VALUES (@id, @url, @events, @phoneNumberIds, @secret, @headers, @description, @enabled, @source, @now, @now)`,
  ).run(specParams(input, input.now));
  return getSubscriptionSqlite(db, input.id)!;
}

export function getSubscriptionSqlite(db: Database.Database, id: string): Subscription | undefined {
  const record = db.prepare('SELECT * FROM subscriptions WHERE id = ?').get(id) as
    | SubscriptionRecord
    | undefined;
  return record ? toSubscription(record) : undefined;
}

export function listSubscriptionsSqlite(db: Database.Database): Subscription[] {
  const records = db.prepare('SELECT * FROM subscriptions ORDER BY created_at, id').all();
  return (records as SubscriptionRecord[]).map(toSubscription);
}

export function updateSubscriptionSqlite(
  db: Database.Database,
  id: string,
  patch: SubscriptionPatch,
  now: number,
  disabledReason?: string,
): Subscription | undefined {
  return db.transaction(() => {
    const current = getSubscriptionSqlite(db, id);
    if (!current) return undefined;
    const next = { ...current, ...definedFields(patch) };
    const reason = next.enabled
      ? null
      : (disabledReason ?? current.disabledReason ?? 'disabled by an operator');
    db.prepare(
      `UPDATE subscriptions SET url = @url, events = @events, phone_number_ids = @phoneNumberIds,
         secret = @secret, headers = @headers, description = @description, enabled = @enabled,
         disabled_reason = @reason, updated_at = @now WHERE id = @id`,
    ).run({ ...specParams(next, now), reason });
    if (current.enabled && !next.enabled) deadLetterPending(db, id, `subscription disabled: ${reason}`, now);
    return getSubscriptionSqlite(db, id);
  })();
}

export function deleteSubscriptionSqlite(db: Database.Database, id: string): boolean {
  return db.transaction(() => {
    // Attempts and deliveries go with it (ON DELETE CASCADE needs foreign_keys=ON, which every
    // connection sets).
    return db.prepare('DELETE FROM subscriptions WHERE id = ?').run(id).changes === 1;
  })();
}

export function syncFileSubscriptionsSqlite(
  db: Database.Database,
  subscriptions: readonly FileSubscription[],
  now: number,
  newSecret: () => string,
): FileSyncResult {
  return db.transaction(() => {
    const result: FileSyncResult = { created: [], updated: [], disabled: [] };
    const listed = new Set(subscriptions.map((subscription) => subscription.id));
    for (const subscription of subscriptions) {
      const current = getSubscriptionSqlite(db, subscription.id);
      if (!current) {
        const secret = subscription.secret ?? newSecret();
        createSubscriptionSqlite(db, { ...subscription, secret, source: 'file', now });
        result.created.push(subscription.id);
        continue;
      }
      const { id: _id, secret, ...spec } = subscription;
      const reason = spec.enabled ? undefined : 'disabled in WAHOOK_SUBSCRIPTIONS_FILE';
      updateSubscriptionSqlite(
        db,
        subscription.id,
        { ...spec, secret: secret ?? current.secret },
        now,
        reason,
      );
      if (current.source !== 'file') {
        db.prepare(`UPDATE subscriptions SET source = 'file' WHERE id = ?`).run(subscription.id);
      }
      result.updated.push(subscription.id);
    }
    for (const stale of listSubscriptionsSqlite(db)) {
      if (stale.source !== 'file' || listed.has(stale.id) || !stale.enabled) continue;
      updateSubscriptionSqlite(
        db,
        stale.id,
        { enabled: false },
        now,
        'removed from WAHOOK_SUBSCRIPTIONS_FILE',
      );
      result.disabled.push(stale.id);
    }
    return result;
  })();
}

/** pending → dead for every pending delivery of a subscription that stopped receiving. */
function deadLetterPending(
  db: Database.Database,
  subscriptionId: string,
  error: string,
  now: number,
): number {
  return db
    .prepare(
      `UPDATE deliveries SET state = 'dead', last_error = @error, finished_at = @now,
         lease_owner = NULL, lease_until = NULL
       WHERE subscription_id = @subscriptionId AND state = 'pending'`,
    )
    .run({ subscriptionId, error, now }).changes;
}

function specParams(
  spec: Omit<Subscription, 'createdAt' | 'updatedAt' | 'disabledReason' | 'source'> & { source?: string },
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
    source: spec.source ?? 'api',
    now,
  };
}

function definedFields<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;
}
