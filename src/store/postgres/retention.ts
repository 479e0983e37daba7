import type pg from 'pg';
import { searchNeedle } from '../../whatsapp/person-redaction.js';
import type { DataClass, ErasureCounts, ErasureLogEntry, PurgeBatch } from '../retention-ports.js';
import {
  ERASED_REASON,
  type ErasureOps,
  type ErasurePlan,
  type ErasureTable,
  mentionsInAnySpelling,
  type RowKey,
} from '../shared/erasure.js';
import { redactAnswers } from '../shared/erasure-answers.js';
import { eraseInbox } from '../shared/erasure-inbox.js';
import { redactRewrites } from '../shared/erasure-rewrites.js';
import { OLDEST_ROW_TIMES_SQL } from '../shared/retention-sql.js';
import { eraseSendsAndContext } from '../shared/sends.js';
import { POSTGRES, type Queryable, sqlOps, withTransaction } from './sql.js';

/**
 * Retention and erasure on PostgreSQL (the rules are in retention-ports.ts). Each purge is one
 * statement over an index on the class's age column, oldest first, at most `limit` rows: short
 * transactions that autovacuum can follow, and SKIP LOCKED lets the janitors of several nodes
 * share the work instead of queueing behind each other. Partitions by time would make a purge a
 * DROP, but every class here also keeps rows by state (pending, dead letters), which a time
 * partition cannot tell apart; batched deletes keep those rules in one WHERE clause.
 */
const PURGE_SQL: Record<DataClass, string> = {
  inbox: `WITH doomed AS (
      SELECT id FROM inbox_state WHERE state <> 'pending' AND processed_at < $1
      ORDER BY processed_at LIMIT $2 FOR UPDATE SKIP LOCKED),
    states AS (DELETE FROM inbox_state USING doomed WHERE inbox_state.id = doomed.id)
    DELETE FROM inbox USING doomed WHERE inbox.id = doomed.id`,
  events: `WITH gone AS (
      DELETE FROM events WHERE seq IN (
        SELECT seq FROM events e WHERE created_at < $1
          AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = e.seq)
        ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
      RETURNING id),
    stones AS (INSERT INTO event_tombstones (id, purged_at) SELECT id, $3 FROM gone
      ON CONFLICT (id) DO UPDATE SET purged_at = excluded.purged_at)
    SELECT count(*)::int AS n FROM gone`,
  messages: `DELETE FROM messages WHERE id IN (
    SELECT id FROM messages WHERE updated_at < $1 ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
  deliveries: `DELETE FROM deliveries WHERE id IN (
    SELECT id FROM deliveries WHERE state <> 'pending' AND finished_at < $1
    ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
  requests: `DELETE FROM rejected_requests WHERE id IN (
    SELECT id FROM rejected_requests WHERE received_at < $1 ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
  dedupe: `DELETE FROM event_tombstones WHERE id IN (
    SELECT id FROM event_tombstones WHERE purged_at < $1 ORDER BY purged_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
};

export async function purgeBatch(db: Queryable, batch: PurgeBatch): Promise<number> {
  if (batch.dataClass === 'events') {
    const result = await db.query<{ n: number }>(PURGE_SQL.events, [batch.cutoff, batch.limit, batch.now]);
    return result.rows[0]?.n ?? 0;
  }
  const result = await db.query(PURGE_SQL[batch.dataClass], [batch.cutoff, batch.limit]);
  return result.rowCount ?? 0;
}

/** Event ids among these that were purged or erased inside the dedupe window. */
export async function tombstoned(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const result = await db.query<{ id: string }>(
    'SELECT id FROM event_tombstones WHERE id = ANY($1::text[])',
    [ids],
  );
  return new Set(result.rows.map((row) => row.id));
}

export async function oldestRowTimes(db: Queryable): Promise<Record<DataClass, number | null>> {
  const result = await db.query(OLDEST_ROW_TIMES_SQL);
  const row = (result.rows[0] ?? {}) as Record<DataClass, string | number | null>;
  const time = (value: string | number | null | undefined) =>
    value === null || value === undefined ? null : Number(value);
  return {
    inbox: time(row.inbox),
    events: time(row.events),
    messages: time(row.messages),
    deliveries: time(row.deliveries),
    requests: time(row.requests),
    dedupe: time(row.dedupe),
  };
}

const mentions = (column: string) => mentionsInAnySpelling(POSTGRES, column, '$1');

const SCAN: Record<ErasureTable, { key: string; type: string; table: string; hit: string }> = {
  events: { key: 'seq', type: 'bigint', table: 'events', hit: mentions('data::text') },
  messages: { key: 'id', type: 'text', table: 'messages', hit: mentions('record::text') },
  inbox: {
    key: 'id',
    type: 'bigint',
    table: 'inbox',
    hit: "position(convert_to($1::text, 'UTF8') in body) > 0",
  },
  inbox_errors: { key: 'id', type: 'bigint', table: 'inbox_state', hit: 'strpos(error, $1) > 0' },
  requests: {
    key: 'id',
    type: 'bigint',
    table: 'rejected_requests',
    hit: `position(convert_to($1::text, 'UTF8') in body_prefix) > 0 OR strpos(headers::text, $1) > 0
      OR strpos(path, $1) > 0 OR strpos(hints::text, $1) > 0`,
  },
  // The number as sent (E.164) or as Meta answered it (wa_id), or the BSUID: exact, not a byte
  // match, so that someone else's longer number keeps its send.
  sends: {
    key: 'id',
    type: 'text',
    table: 'sends',
    hit: "wa_id = $1 OR user_id = $1 OR recipient = $1 OR recipient = '+' || $1",
  },
  attempt_answers: {
    key: 'id',
    type: 'bigint',
    table: 'delivery_attempts',
    hit: 'strpos(response_prefix, $1) > 0 OR strpos(error, $1) > 0',
  },
  delivery_errors: { key: 'id', type: 'bigint', table: 'deliveries', hit: 'strpos(last_error, $1) > 0' },
  contexts: { key: 'wamid', type: 'text', table: 'message_context', hit: mentions('metadata') },
  send_metadata: { key: 'id', type: 'text', table: 'sends', hit: mentions('metadata') },
  // A message to someone else may give the person's number in its text, in any spelling.
  send_messages: { key: 'id', type: 'text', table: 'sends', hit: mentions('message') },
};

const READ: Record<'events' | 'messages' | 'inbox' | 'contexts' | 'send_metadata' | 'send_messages', string> =
  {
    events: 'SELECT seq AS key, data::text AS value FROM events WHERE seq = ANY($1::bigint[])',
    messages: 'SELECT id AS key, record::text AS value FROM messages WHERE id = ANY($1::text[])',
    inbox: 'SELECT id AS key, body AS value FROM inbox WHERE id = ANY($1::bigint[])',
    contexts: 'SELECT wamid AS key, metadata AS value FROM message_context WHERE wamid = ANY($1::text[])',
    send_metadata: 'SELECT id AS key, metadata AS value FROM sends WHERE id = ANY($1::text[])',
    send_messages: 'SELECT id AS key, message AS value FROM sends WHERE id = ANY($1::text[])',
  };

/**
 * PostgreSQL keeps a deleted row's old version in the table file until vacuum reclaims it, and
 * in its WAL and backups for as long as those are kept: docs/privacy.md says what to run.
 */
export function erasureOps(pool: pg.Pool): ErasureOps {
  const keyOf = (table: ErasureTable, key: RowKey) =>
    SCAN[table].type === 'text' ? String(key) : Number(key);
  return {
    async scanPage(table, needle, after, limit) {
      const spec = SCAN[table];
      const result = await pool.query<{ key: RowKey; hit: boolean }>(
        `SELECT ${spec.key} AS key, (${spec.hit}) AS hit FROM ${spec.table}
         WHERE $2::${spec.type} IS NULL OR ${spec.key} > $2::${spec.type} ORDER BY ${spec.key} LIMIT $3`,
        [needle, after, limit],
      );
      const rows = result.rows;
      const last = rows.at(-1);
      return {
        last: rows.length < limit || !last ? null : keyOf(table, last.key),
        hits: rows.filter((row) => row.hit).map((row) => keyOf(table, row.key)),
      };
    },
    async readValues(table, keys) {
      const result = await pool.query<{ key: RowKey; value: string | Buffer }>(READ[table], [keys]);
      return new Map(result.rows.map((row) => [keyOf(table, row.key), row.value]));
    },
    apply(plan, now) {
      return withTransaction(pool, (client) => applyPlan(client, plan, now));
    },
  };
}

async function applyPlan(db: Queryable, plan: ErasurePlan, now: number): Promise<ErasureCounts> {
  const seqs = plan.eventSeqs;
  const deliveries = await db.query('DELETE FROM deliveries WHERE event_seq = ANY($1::bigint[])', [seqs]);
  const events = await db.query(
    `WITH gone AS (DELETE FROM events WHERE seq = ANY($1::bigint[]) RETURNING id)
     INSERT INTO event_tombstones (id, purged_at) SELECT id, $2 FROM gone
     ON CONFLICT (id) DO UPDATE SET purged_at = excluded.purged_at`,
    [seqs, now],
  );
  const messages = await db.query('DELETE FROM messages WHERE id = ANY($1::text[])', [plan.messageIds]);
  const inbox = await eraseInbox(sqlOps(db), plan, now);
  // After the deletes: a row that went has no reason left to redact. The match is tested again, as
  // the row may have been reprocessed since the scan.
  const inboxErrorsRedacted = await db.query(
    'UPDATE inbox_state SET error = $3 WHERE id = ANY($1::bigint[]) AND strpos(error, $2) > 0',
    [plan.inboxErrorIds, searchNeedle(plan.person), ERASED_REASON],
  );
  const requests = await db.query('DELETE FROM rejected_requests WHERE id = ANY($1::bigint[])', [
    plan.requestIds,
  ]);
  const sends = await eraseSendsAndContext(sqlOps(db), plan);
  const answersRedacted = await redactAnswers(sqlOps(db), plan);
  const rewritten = await redactRewrites(sqlOps(db), plan);
  const counts: ErasureCounts = {
    messages: messages.rowCount ?? 0,
    events: events.rowCount ?? 0,
    deliveries: deliveries.rowCount ?? 0,
    inbox_deleted: inbox.deleted,
    inbox_redacted: inbox.redacted,
    requests: requests.rowCount ?? 0,
    sends,
    answers_redacted: answersRedacted,
    metadata_redacted: rewritten.metadata,
    inbox_errors_redacted: inboxErrorsRedacted.rowCount ?? 0,
    send_messages_redacted: rewritten.messages,
  };
  await db.query('INSERT INTO erasures (erased_at, kind, counts) VALUES ($1, $2, $3)', [
    now,
    plan.person.kind,
    JSON.stringify(counts),
  ]);
  return counts;
}

export async function listErasures(db: Queryable, limit: number): Promise<ErasureLogEntry[]> {
  const result = await db.query<{
    id: string;
    erased_at: string;
    kind: 'wa_id' | 'user_id';
    counts: ErasureCounts;
  }>('SELECT * FROM erasures ORDER BY id DESC LIMIT $1', [limit]);
  return result.rows.map((row) => ({
    id: Number(row.id),
    erasedAt: Number(row.erased_at),
    kind: row.kind,
    counts: row.counts,
  }));
}
