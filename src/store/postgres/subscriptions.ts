import type pg from 'pg';
import type {
  FileSubscription,
  FileSyncResult,
  NewSubscription,
  Subscription,
  SubscriptionPatch,
  SubscriptionSpec,
} from '../delivery-ports.js';
import { type SubscriptionRecord, toSubscription } from '../shared/delivery-rows.js';
import { DEAD_LETTER_PENDING_SQL, disabledDeliveryError } from '../shared/subscription-disable.js';
import { applySubscriptionsFile } from '../shared/subscriptions-file-sync.js';
import { LOCK_CLASS } from './locks.js';
import type { Queryable } from './sql.js';

/**
 * Subscriptions on PostgreSQL. The rules (what a patch changes, which reason a disabled
 * subscription keeps, what a file sync creates, updates and disables) are the SQLite adapter's;
 * only the SQL differs. Rows are read in the shape of the shared row mapper (`enabled` as 0/1).
 */
export const COLUMNS = `id, url, events, phone_number_ids, secret, headers, description, enabled::int AS enabled,
  disabled_reason, paused_at, batch_max_events, batch_max_wait_ms, source, created_at, updated_at`;

type Row = SubscriptionRecord & pg.QueryResultRow;

export async function createSubscription(db: Queryable, input: NewSubscription): Promise<Subscription> {
  const result = await db.query<Row>(
    `INSERT INTO subscriptions (id, url, events, phone_number_ids, secret, headers, description, enabled,
       batch_max_events, batch_max_wait_ms, source, created_at, updated_at)
     VALUES ($1, $2, $3::jsonb, $4::jsonb, $5, $6::jsonb, $7, $8, $9, $10, $11, $12, $12)
     RETURNING ${COLUMNS}`,
    [...specParams(input), input.source, input.now],
  );
  return toSubscription(result.rows[0]!);
}

export async function getSubscription(
  db: Queryable,
  id: string,
  lock = false,
): Promise<Subscription | undefined> {
  const result = await db.query<Row>(
    `SELECT ${COLUMNS} FROM subscriptions WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`,
    [id],
  );
  const record = result.rows[0];
  return record ? toSubscription(record) : undefined;
}

export async function listSubscriptions(db: Queryable): Promise<Subscription[]> {
  const result = await db.query<Row>(`SELECT ${COLUMNS} FROM subscriptions ORDER BY created_at, id`);
  return result.rows.map(toSubscription);
}

/** Runs inside the caller's transaction; the row stays locked until it commits. */
export async function updateSubscription(
  client: pg.PoolClient,
  id: string,
  patch: SubscriptionPatch,
  now: number,
  disabledReason?: string,
): Promise<Subscription | undefined> {
  const current = await getSubscription(client, id, true);
  return current && patchSubscription(client, current, patch, now, disabledReason);
}

/**
 * Writes `patch` over `current`, a row the caller's transaction has locked. Disabling dead-letters
 * the pending deliveries with the reason (given, else the one it had, else an operator's); enabling
 * clears it. An operator's update and a 410 Gone (delivery-queue.ts) both come through here.
 */
export async function patchSubscription(
  client: pg.PoolClient,
  current: Subscription,
  patch: SubscriptionPatch,
  now: number,
  disabledReason?: string,
): Promise<Subscription> {
  const next = { ...current, ...definedFields(patch) };
  const whyDisabled = disabledReason ?? current.disabledReason ?? 'disabled by an operator';
  const reason = next.enabled ? null : whyDisabled;
  const result = await client.query<Row>(
    `UPDATE subscriptions SET url = $2, events = $3::jsonb, phone_number_ids = $4::jsonb, secret = $5,
       headers = $6::jsonb, description = $7, enabled = $8, batch_max_events = $9, batch_max_wait_ms = $10,
       disabled_reason = $11, updated_at = $12
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [...specParams(next), reason, now],
  );
  if (current.enabled && !next.enabled)
    await deadLetterPending(client, current.id, disabledDeliveryError(whyDisabled), now);
  return toSubscription(result.rows[0]!);
}

/** The subscription a delivery belongs to, read without a lock of its own (see recordDeliveryAttempts). */
export async function subscriptionOfDelivery(
  db: Queryable,
  deliveryId: number,
): Promise<Subscription | undefined> {
  const result = await db.query<Row>(
    `SELECT ${COLUMNS} FROM subscriptions
     WHERE id = (SELECT subscription_id FROM deliveries WHERE id = $1)`,
    [deliveryId],
  );
  const record = result.rows[0];
  return record ? toSubscription(record) : undefined;
}

export async function deleteSubscription(db: Queryable, id: string): Promise<boolean> {
  // Deliveries and their attempts go with it (ON DELETE CASCADE).
  const result = await db.query('DELETE FROM subscriptions WHERE id = $1', [id]);
  return result.rowCount === 1;
}

/**
 * Runs inside the caller's transaction. Every node syncs the same file when it starts; the lock
 * makes them take turns, so the first creates and the rest find the rows already there.
 */
export async function syncFileSubscriptions(
  client: pg.PoolClient,
  subscriptions: readonly FileSubscription[],
  now: number,
  newSecret: () => string,
  schemaKey: number,
): Promise<FileSyncResult> {
  // Nodes starting together take turns, so each sees the others' creations.
  await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS.subscriptions, schemaKey]);
  return applySubscriptionsFile(
    {
      get: (id) => getSubscription(client, id, true),
      create: (input) => createSubscription(client, input),
      update: (id, patch, at, reason) => updateSubscription(client, id, patch, at, reason),
      markFromFile: async (id) => {
        await client.query(`UPDATE subscriptions SET source = 'file' WHERE id = $1`, [id]);
      },
      list: () => listSubscriptions(client),
    },
    subscriptions,
    now,
    newSecret,
  );
}

/** pending → dead for every pending delivery of a subscription that stopped receiving. */
async function deadLetterPending(client: pg.PoolClient, subscriptionId: string, error: string, now: number) {
  await client.query(DEAD_LETTER_PENDING_SQL, [subscriptionId, error, now]);
}

/** $1…$10 of the INSERT and UPDATE above: id, then the spec columns in table order. */
function specParams(
  spec: Omit<Subscription, 'createdAt' | 'updatedAt' | 'disabledReason' | 'pausedAt' | 'source' | 'batch'> &
    Pick<SubscriptionSpec, 'batch'>,
): unknown[] {
  return [
    spec.id,
    spec.url,
    JSON.stringify(spec.events),
    spec.phoneNumberIds === null ? null : JSON.stringify(spec.phoneNumberIds),
    spec.secret,
    JSON.stringify(spec.headers),
    spec.description,
    spec.enabled,
    spec.batch?.maxEvents ?? null,
    spec.batch?.maxWaitMs ?? null,
  ];
}

function definedFields<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;
}
