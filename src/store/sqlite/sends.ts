import type Database from 'better-sqlite3';
import {
  type BusinessMetadata,
  type MessageContext,
  metadataIndexEntries,
  type NewSend,
  type SendOutcome,
  type SendRow,
  type SendSettlement,
  type SendState,
} from '../send-ports.js';
import {
  type ContextRecord,
  finishParams,
  keepsSettlement,
  SEND_COLUMNS,
  type SendRecord,
  toMessageContext,
  toSendRow,
} from '../shared/send-rows.js';
import { prepared } from './prepared.js';

/**
 * Sends and message context on SQLite. Each function runs on the caller's connection, under the
 * store's lock. Transactions that read before they write start IMMEDIATE: a deferred one would
 * fail with SQLITE_BUSY, not wait, when the inbox writer holds the lock at the moment it upgrades.
 */
export function createSend(db: Database.Database, send: NewSend): { created: boolean; send: SendRow } {
  const result = prepared(
    db,
    `INSERT INTO sends (id, idempotency_key, request_hash, phone_number_id, input, recipient, recipient_kind,
       message_type, message, metadata, state, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sending', ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`,
  ).run(
    send.id,
    send.idempotencyKey,
    send.requestHash,
    send.phoneNumberId,
    send.input,
    send.recipient,
    send.recipientKind,
    send.messageType,
    JSON.stringify(send.message),
    send.metadata === null ? null : JSON.stringify(send.metadata),
    send.createdAt,
    send.createdAt,
  );
  if (result.changes === 1) return { created: true, send: getSend(db, send.id)! };
  return { created: false, send: getSendByIdempotencyKey(db, send.idempotencyKey ?? '')! };
}

export function getSend(db: Database.Database, id: string): SendRow | undefined {
  const record = prepared(db, `SELECT ${SEND_COLUMNS} FROM sends WHERE id = ?`).get(id) as
    | SendRecord
    | undefined;
  return record ? toSendRow(record) : undefined;
}

export function getSendByIdempotencyKey(db: Database.Database, key: string): SendRow | undefined {
  const record = prepared(db, `SELECT ${SEND_COLUMNS} FROM sends WHERE idempotency_key = ?`).get(key) as
    | SendRecord
    | undefined;
  return record ? toSendRow(record) : undefined;
}

export function finishSend(
  db: Database.Database,
  id: string,
  outcome: SendOutcome,
  now: number,
): SendRow | undefined {
  return db
    .transaction(() => {
      const current = getSend(db, id);
      if (!current) return undefined;
      // A status webhook may have settled the send first (its wamid adopted): keep that.
      if (keepsSettlement(current, outcome)) return current;
      prepared(
        db,
        `UPDATE sends SET state = ?, wamid = COALESCE(?, wamid), wa_id = COALESCE(?, wa_id), user_id = COALESCE(?, user_id),
         message_status = COALESCE(?, message_status), error = ?, updated_at = ? WHERE id = ?`,
      ).run(...finishParams(id, outcome, now));
      const after = getSend(db, id)!;
      if (after.wamid !== null) attachContext(db, after.wamid, after.id, after.metadata, now);
      return after;
    })
    .immediate();
}

/** Links a wamid to its send, and its metadata into the index, unless the wamid has context already. */
function attachContext(
  db: Database.Database,
  wamid: string,
  sendId: string,
  metadata: BusinessMetadata | null,
  now: number,
): void {
  const inserted = prepared(
    db,
    'INSERT INTO message_context (wamid, send_id, metadata, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (wamid) DO NOTHING',
  ).run(wamid, sendId, JSON.stringify(metadata ?? {}), now);
  if (inserted.changes === 0) {
    prepared(db, 'UPDATE message_context SET send_id = ? WHERE wamid = ?').run(sendId, wamid);
    return;
  }
  if (inserted.changes === 1 && metadata) indexMetadata(db, wamid, metadata);
}

function indexMetadata(db: Database.Database, wamid: string, metadata: BusinessMetadata): void {
  prepared(db, 'DELETE FROM message_metadata WHERE wamid = ?').run(wamid);
  for (const entry of metadataIndexEntries(metadata)) {
    prepared(db, 'INSERT OR IGNORE INTO message_metadata (key, value, wamid) VALUES (?, ?, ?)').run(
      entry.key,
      entry.value,
      wamid,
    );
  }
}

export function putMessageMetadata(
  db: Database.Database,
  wamid: string,
  metadata: BusinessMetadata,
  now: number,
): void {
  db.transaction(() => {
    prepared(
      db,
      `INSERT INTO message_context (wamid, send_id, metadata, updated_at) VALUES (?, NULL, ?, ?)
       ON CONFLICT (wamid) DO UPDATE SET metadata = excluded.metadata, updated_at = excluded.updated_at`,
    ).run(wamid, JSON.stringify(metadata), now);
    indexMetadata(db, wamid, metadata);
  }).immediate();
}

export function messageContexts(
  db: Database.Database,
  wamids: readonly string[],
): Map<string, MessageContext> {
  const found = new Map<string, MessageContext>();
  for (const wamid of new Set(wamids)) {
    const record = prepared(db, 'SELECT wamid, send_id, metadata FROM message_context WHERE wamid = ?').get(
      wamid,
    ) as (ContextRecord & { send_id: string | null }) | undefined;
    if (record) {
      const send = record.send_id === null ? null : (getSend(db, record.send_id) ?? null);
      found.set(wamid, toMessageContext(record, send));
      continue;
    }
    // A send accepted moments ago whose context row is written in the same transaction is always
    // found above; this covers a wamid known only from the send row.
    const send = prepared(db, `SELECT ${SEND_COLUMNS} FROM sends WHERE wamid = ?`).get(wamid) as
      | SendRecord
      | undefined;
    if (send) {
      const row = toSendRow(send);
      found.set(wamid, { wamid, metadata: row.metadata, send: row });
    }
  }
  return found;
}

export function settleSends(
  db: Database.Database,
  settlements: readonly SendSettlement[],
  now: number,
): Map<string, MessageContext> {
  const settled = new Map<string, MessageContext>();
  for (const settlement of settlements) {
    const changed = prepared(
      db,
      `UPDATE sends SET state = 'accepted', wamid = ?, wa_id = COALESCE(wa_id, ?), user_id = COALESCE(user_id, ?), updated_at = ?
       WHERE id = ? AND wamid IS NULL AND state IN ('sending', 'unknown')
         AND NOT EXISTS (SELECT 1 FROM sends WHERE wamid = ?)`,
    ).run(
      settlement.wamid,
      settlement.waId,
      settlement.userId,
      now,
      settlement.sendId,
      settlement.wamid,
    ).changes;
    if (changed !== 1) continue;
    const send = getSend(db, settlement.sendId)!;
    attachContext(db, settlement.wamid, send.id, send.metadata, now);
    settled.set(settlement.wamid, { wamid: settlement.wamid, metadata: send.metadata, send });
  }
  return settled;
}

export function findWamidsByMetadata(
  db: Database.Database,
  key: string,
  value: string,
  limit: number,
  afterWamid = '',
): string[] {
  const rows = prepared(
    db,
    'SELECT wamid FROM message_metadata WHERE key = ? AND value = ? AND wamid > ? ORDER BY wamid LIMIT ?',
  ).all(key, value, afterWamid, limit) as { wamid: string }[];
  return rows.map((row) => row.wamid);
}

export function listSends(
  db: Database.Database,
  options: { states: readonly SendState[]; createdBefore: number; limit: number; afterId?: string },
): SendRow[] {
  if (options.states.length === 0) return [];
  const placeholders = options.states.map(() => '?').join(', ');
  const rows = db
    .prepare(
      `SELECT ${SEND_COLUMNS} FROM sends WHERE state IN (${placeholders}) AND created_at <= ? AND id > ?
       ORDER BY id LIMIT ?`,
    )
    .all(...options.states, options.createdBefore, options.afterId ?? '', options.limit) as SendRecord[];
  return rows.map(toSendRow);
}
