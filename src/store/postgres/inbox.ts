import type pg from 'pg';
import type { ClaimOptions, InboxAppend, InboxRow, InboxState, InboxStats, InboxSummary } from '../ports.js';
import {
  INBOX_STATS_SQL,
  INBOX_SUMMARY_COLUMNS,
  type InboxRecord,
  type InboxStatsRecord,
  inboxStateFilter,
  inboxValues,
  toInboxRow,
  toInboxStats,
  toInboxSummary,
} from '../shared/rows.js';
import { fitsOneStatement, insertRows, type Queryable, withTransaction } from './sql.js';

const INSERT_INBOX = 'INSERT INTO inbox (received_at, source, auth, content_type, headers, body)';
const INBOX_CASTS = ['', '', '', '', '::jsonb', ''] as const;

/**
 * Appends a batch with one multi-row INSERT, auto-committed: when the promise resolves the commit
 * is durable (synchronous_commit is on; createPostgresStore refuses a database where it is off).
 * Ids come back in input order.
 */
export async function appendInbox(pool: pg.Pool, rows: readonly InboxAppend[]): Promise<number[]> {
  if (rows.length === 0) return [];
  const values = rows.map(inboxValues);
  const insert = (db: Queryable) =>
    insertRows<{ id: number }>(db, INSERT_INBOX, INBOX_CASTS, values, 'RETURNING id');
  // A burst too large for one statement still commits as one unit.
  const inserted = fitsOneStatement(rows.length, INBOX_CASTS.length)
    ? await insert(pool)
    : await withTransaction(pool, insert);
  if (inserted.length !== rows.length) {
    throw new Error(`inbox append stored ${inserted.length} of ${rows.length} rows`);
  }
  return inserted.map((row) => row.id);
}

export async function getInboxRow(db: Queryable, id: number): Promise<InboxRow | undefined> {
  const result = await db.query<InboxRecord & pg.QueryResultRow>('SELECT * FROM inbox_rows WHERE id = $1', [
    id,
  ]);
  const record = result.rows[0];
  return record ? toInboxRow(record) : undefined;
}

export async function listInbox(
  db: Queryable,
  options: { state?: InboxState; limit: number; beforeId?: number },
): Promise<InboxSummary[]> {
  // The state is written into the SQL (an enum value, checked), so the planner can use the
  // partial indexes of pending and quarantined rows instead of walking the inbox by id.
  const result = await db.query(
    `SELECT ${INBOX_SUMMARY_COLUMNS} FROM inbox_rows
     WHERE id < $1 ${inboxStateFilter(options.state)} ORDER BY id DESC LIMIT $2`,
    [options.beforeId ?? Number.MAX_SAFE_INTEGER, options.limit],
  );
  return (result.rows as Parameters<typeof toInboxSummary>[0][]).map(toInboxSummary);
}

export async function inboxStats(db: Queryable): Promise<InboxStats> {
  const result = await db.query<InboxStatsRecord>(INBOX_STATS_SQL);
  return toInboxStats(result.rows[0] ?? { total: 0, pending: 0, quarantined: 0, processed: 0, oldest: null });
}

/**
 * Leases the oldest claimable rows (in the narrow state table; the request is joined on the way
 * out). SKIP LOCKED lets concurrent claimers pass over rows another claimer is taking right now
 * instead of queueing behind it, and the lease written in the same statement keeps those rows
 * from everyone else until it expires.
 */
export async function claimInbox(db: Queryable, options: ClaimOptions): Promise<InboxRow[]> {
  const result = await db.query<InboxRecord & pg.QueryResultRow>(
    `WITH next AS (
       SELECT id FROM inbox_state
       WHERE state = 'pending' AND (lease_until IS NULL OR lease_until < $3)
       ORDER BY id LIMIT $4
       FOR UPDATE SKIP LOCKED),
     leased AS (
       UPDATE inbox_state SET lease_owner = $1, lease_until = $2, attempts = inbox_state.attempts + 1
       FROM next WHERE inbox_state.id = next.id
       RETURNING inbox_state.*)
     SELECT * FROM leased JOIN inbox USING (id)`,
    [options.owner, options.now + options.leaseMs, options.now, options.limit],
  );
  return result.rows.map(toInboxRow).sort((a, b) => a.id - b.id);
}

export async function requeueQuarantined(db: Queryable, ids?: readonly number[]): Promise<number> {
  const sql = `UPDATE inbox_state SET state = 'pending', lease_owner = NULL, lease_until = NULL
    WHERE state = 'quarantined'`;
  const result = ids ? await db.query(`${sql} AND id = ANY($1::bigint[])`, [[...ids]]) : await db.query(sql);
  return result.rowCount ?? 0;
}
