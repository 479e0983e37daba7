import type Database from 'better-sqlite3';
import { searchNeedle } from '../../whatsapp/person-redaction.js';
import type { DataClass, ErasureCounts, PurgeBatch } from '../retention-ports.js';
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
import { prepared } from './prepared.js';
import { SQLITE, sqlOps, withImmediateTx } from './sql.js';

/**
 * Retention and erasure on SQLite (the rules are in retention-ports.ts). Each purge is one short
 * transaction on the processing connection, in a write turn of its own (the store's): SQLite has
 * one writer, so a small batch keeps the inbox writer's wait for the lock short. Freed pages go to the freelist and the next inserts
 * reuse them, so the file stops growing once a class has reached its steady size.
 */
const SELECT_EVENTS = `SELECT seq, id FROM events e
  WHERE created_at < @cutoff AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = e.seq)
  ORDER BY created_at LIMIT @limit`;

const PURGE_SQL: Record<Exclude<DataClass, 'inbox' | 'events'>, string> = {
  messages: `DELETE FROM messages WHERE id IN (
    SELECT id FROM messages WHERE updated_at < @cutoff ORDER BY updated_at LIMIT @limit)`,
  deliveries: `DELETE FROM deliveries WHERE id IN (
    SELECT id FROM deliveries WHERE state <> 'pending' AND finished_at < @cutoff ORDER BY finished_at LIMIT @limit)`,
  requests: `DELETE FROM rejected_requests WHERE id IN (
    SELECT id FROM rejected_requests WHERE received_at < @cutoff ORDER BY received_at LIMIT @limit)`,
  dedupe: `DELETE FROM event_tombstones WHERE id IN (
    SELECT id FROM event_tombstones WHERE purged_at < @cutoff ORDER BY purged_at LIMIT @limit)`,
};

export function purgeBatch(db: Database.Database, batch: PurgeBatch): number {
  const params = { cutoff: batch.cutoff, limit: batch.limit };
  return db.transaction(() => {
    if (batch.dataClass === 'inbox') {
      const ids = prepared(
        db,
        `SELECT id FROM inbox_state WHERE state <> 'pending' AND processed_at < @cutoff
         ORDER BY processed_at LIMIT @limit`,
      )
        .pluck()
        .all(params) as number[];
      return deleteInboxRows(db, ids);
    }
    if (batch.dataClass === 'events') {
      const events = prepared(db, SELECT_EVENTS).all(params) as { seq: number; id: string }[];
      tombstone(
        db,
        events.map((event) => event.id),
        batch.now,
      );
      return deleteEvents(
        db,
        events.map((event) => event.seq),
      );
    }
    return prepared(db, PURGE_SQL[batch.dataClass]).run(params).changes;
  })();
}

function deleteInboxRows(db: Database.Database, ids: readonly number[]): number {
  if (ids.length === 0) return 0;
  const list = JSON.stringify(ids);
  prepared(db, 'DELETE FROM inbox_state WHERE id IN (SELECT value FROM json_each(?))').run(list);
  return prepared(db, 'DELETE FROM inbox WHERE id IN (SELECT value FROM json_each(?))').run(list).changes;
}

function deleteEvents(db: Database.Database, seqs: readonly number[]): number {
  if (seqs.length === 0) return 0;
  return prepared(db, 'DELETE FROM events WHERE seq IN (SELECT value FROM json_each(?))').run(
    JSON.stringify(seqs),
  ).changes;
}

function tombstone(db: Database.Database, ids: readonly string[], now: number): void {
  if (ids.length === 0) return;
  prepared(
    db,
    `INSERT INTO event_tombstones (id, purged_at) SELECT value, ? FROM json_each(?) WHERE true
     ON CONFLICT (id) DO UPDATE SET purged_at = excluded.purged_at`,
  ).run(now, JSON.stringify(ids));
}

/** Event ids among these that were purged or erased inside the dedupe window. */
export function tombstoned(db: Database.Database, ids: readonly string[]): Set<string> {
  if (ids.length === 0) return new Set();
  const rows = prepared(db, 'SELECT id FROM event_tombstones WHERE id IN (SELECT value FROM json_each(?))')
    .pluck()
    .all(JSON.stringify(ids)) as string[];
  return new Set(rows);
}

export function oldestRowTimes(db: Database.Database): Record<DataClass, number | null> {
  return db.prepare(OLDEST_ROW_TIMES_SQL).get() as Record<DataClass, number | null>;
}

const mentions = (column: string) => mentionsInAnySpelling(SQLITE, column, '@needle');

const SCAN: Record<ErasureTable, { key: string; table: string; hit: string }> = {
  events: { key: 'seq', table: 'events', hit: mentions('data') },
  messages: { key: 'id', table: 'messages', hit: mentions('record') },
  inbox: { key: 'id', table: 'inbox', hit: 'instr(body, @bytes) > 0' },
  inbox_errors: { key: 'id', table: 'inbox_state', hit: 'instr(error, @needle) > 0' },
  requests: {
    key: 'id',
    table: 'rejected_requests',
    hit: 'instr(body_prefix, @bytes) > 0 OR instr(headers, @needle) > 0 OR instr(path, @needle) > 0 OR instr(hints, @needle) > 0',
  },
  // The number as sent (E.164) or as Meta answered it (wa_id), or the BSUID: exact, not a byte
  // match, so that someone else's longer number keeps its send.
  sends: {
    key: 'id',
    table: 'sends',
    hit: "wa_id = @needle OR user_id = @needle OR recipient = @needle OR recipient = '+' || @needle",
  },
  attempt_answers: {
    key: 'id',
    table: 'delivery_attempts',
    hit: 'instr(response_prefix, @needle) > 0 OR instr(error, @needle) > 0',
  },
  delivery_errors: { key: 'id', table: 'deliveries', hit: 'instr(last_error, @needle) > 0' },
  contexts: { key: 'wamid', table: 'message_context', hit: mentions('metadata') },
  send_metadata: { key: 'id', table: 'sends', hit: mentions('metadata') },
  // A message to someone else may give the person's number in its text, in any spelling.
  send_messages: { key: 'id', table: 'sends', hit: mentions('message') },
};

const READ: Record<'events' | 'messages' | 'inbox' | 'contexts' | 'send_metadata' | 'send_messages', string> =
  {
    events: 'SELECT seq AS key, data AS value FROM events WHERE seq IN (SELECT value FROM json_each(?))',
    messages: 'SELECT id AS key, record AS value FROM messages WHERE id IN (SELECT value FROM json_each(?))',
    inbox: 'SELECT id AS key, body AS value FROM inbox WHERE id IN (SELECT value FROM json_each(?))',
    contexts:
      'SELECT wamid AS key, metadata AS value FROM message_context WHERE wamid IN (SELECT value FROM json_each(?))',
    send_metadata:
      'SELECT id AS key, metadata AS value FROM sends WHERE id IN (SELECT value FROM json_each(?))',
    send_messages:
      'SELECT id AS key, message AS value FROM sends WHERE id IN (SELECT value FROM json_each(?))',
  };

/**
 * Scans and reads go through `reader` (its own snapshot, beside the writers); the plan is applied
 * on `db`, where `secure_delete` zeroes what it frees, and the WAL is then checkpointed and cut to
 * nothing so the old pages do not linger in it either.
 */
export function erasureOps(
  reader: Database.Database,
  db: Database.Database,
  /** Runs one write in the store's write turn (see connection-lock.ts). */
  runWrite: <T>(work: () => T | Promise<T>) => Promise<T>,
): ErasureOps {
  return {
    async scanPage(table, needle, after, limit) {
      const spec = SCAN[table];
      const rows = reader
        .prepare(
          `SELECT ${spec.key} AS key, (${spec.hit}) AS hit FROM ${spec.table}
           WHERE @after IS NULL OR ${spec.key} > @after ORDER BY ${spec.key} LIMIT @limit`,
        )
        .all({ needle, bytes: Buffer.from(needle), after, limit }) as { key: RowKey; hit: number }[];
      return {
        last: rows.length < limit ? null : (rows.at(-1)?.key ?? null),
        hits: rows.filter((row) => row.hit === 1).map((row) => row.key),
      };
    },
    async readValues(table, keys) {
      const rows = reader.prepare(READ[table]).all(JSON.stringify(keys)) as {
        key: RowKey;
        value: string | Buffer;
      }[];
      return new Map(rows.map((row) => [row.key, row.value]));
    },
    async apply(plan, now) {
      const counts = await runWrite(() => withImmediateTx(db, () => applyPlan(db, plan, now)));
      // A write of its own (a TRUNCATE checkpoint keeps writers out while it runs), so the inbox
      // writer can commit between the two. Busy readers can keep it from finishing; the next one
      // (the store's checkpoint thread, or close) copies the rest, and the WAL is overwritten from
      // its start after it.
      // Its wait for readers is short: the inbox writer gives up after 1 s.
      await runWrite(() => {
        const busyTimeout = db.pragma('busy_timeout', { simple: true }) as number;
        db.pragma('busy_timeout = 200');
        try {
          db.pragma('wal_checkpoint(TRUNCATE)');
        } finally {
          db.pragma(`busy_timeout = ${busyTimeout}`);
        }
      });
      return counts;
    },
  };
}

async function applyPlan(db: Database.Database, plan: ErasurePlan, now: number): Promise<ErasureCounts> {
  const seqs = JSON.stringify(plan.eventSeqs);
  const ids = prepared(db, 'SELECT id FROM events WHERE seq IN (SELECT value FROM json_each(?))')
    .pluck()
    .all(seqs) as string[];
  const deliveries = prepared(
    db,
    'DELETE FROM deliveries WHERE event_seq IN (SELECT value FROM json_each(?))',
  ).run(seqs).changes;
  tombstone(db, ids, now);
  const events = deleteEvents(db, plan.eventSeqs);
  const messages = prepared(db, 'DELETE FROM messages WHERE id IN (SELECT value FROM json_each(?))').run(
    JSON.stringify(plan.messageIds),
  ).changes;
  const inbox = await eraseInbox(sqlOps(db), plan, now);
  // After the deletes: a row that went has no reason left to redact. The match is tested again, as
  // the row may have been reprocessed since the scan.
  const inboxErrorsRedacted = prepared(
    db,
    'UPDATE inbox_state SET error = ? WHERE id IN (SELECT value FROM json_each(?)) AND instr(error, ?) > 0',
  ).run(ERASED_REASON, JSON.stringify(plan.inboxErrorIds), searchNeedle(plan.person)).changes;
  const requests = prepared(
    db,
    'DELETE FROM rejected_requests WHERE id IN (SELECT value FROM json_each(?))',
  ).run(JSON.stringify(plan.requestIds)).changes;
  const sends = await eraseSendsAndContext(sqlOps(db), plan);
  const answersRedacted = await redactAnswers(sqlOps(db), plan);
  const rewritten = await redactRewrites(sqlOps(db), plan);
  const counts: ErasureCounts = {
    messages,
    events,
    deliveries,
    inbox_deleted: inbox.deleted,
    inbox_redacted: inbox.redacted,
    requests,
    sends,
    answers_redacted: answersRedacted,
    metadata_redacted: rewritten.metadata,
    inbox_errors_redacted: inboxErrorsRedacted,
    send_messages_redacted: rewritten.messages,
  };
  prepared(db, 'INSERT INTO erasures (erased_at, kind, counts) VALUES (?, ?, ?)').run(
    now,
    plan.person.kind,
    JSON.stringify(counts),
  );
  return counts;
}

export function listErasures(db: Database.Database, limit: number) {
  const rows = db.prepare('SELECT * FROM erasures ORDER BY id DESC LIMIT ?').all(limit) as {
    id: number;
    erased_at: number;
    kind: 'wa_id' | 'user_id';
    counts: string;
  }[];
  return rows.map((row) => ({
    id: row.id,
    erasedAt: row.erased_at,
    kind: row.kind,
    counts: JSON.parse(row.counts) as ErasureCounts,
  }));
}
