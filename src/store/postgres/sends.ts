import type pg from 'pg';
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
import { type Queryable, withTransaction } from './sql.js';

/**
 * Sends and message context on PostgreSQL: the SQLite adapter's rules, this dialect's SQL. Two
 * retries with one idempotency key race on the unique index; the loser's INSERT does nothing and
 * it reads the winner's row.
 */
type Row = SendRecord & pg.QueryResultRow;

export async function createSend(db: Queryable, send: NewSend): Promise<{ created: boolean; send: SendRow }> {
  const result = await db.query<Row>(
    `INSERT INTO sends (id, idempotency_key, request_hash, phone_number_id, input, recipient, recipient_kind,
       message_type, message, metadata, state, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'sending', $11, $11) ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING ${SEND_COLUMNS}`,
    [
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
    ],
  );
  const created = result.rows[0];
  if (created) return { created: true, send: toSendRow(created) };
  return { created: false, send: (await getSendByIdempotencyKey(db, send.idempotencyKey ?? ''))! };
}

export async function getSend(db: Queryable, id: string, lock = false): Promise<SendRow | undefined> {
  const result = await db.query<Row>(
    `SELECT ${SEND_COLUMNS} FROM sends WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`,
    [id],
  );
  const record = result.rows[0];
  return record ? toSendRow(record) : undefined;
}

export async function getSendByIdempotencyKey(db: Queryable, key: string): Promise<SendRow | undefined> {
  const result = await db.query<Row>(`SELECT ${SEND_COLUMNS} FROM sends WHERE idempotency_key = $1`, [key]);
  const record = result.rows[0];
  return record ? toSendRow(record) : undefined;
}

export function finishSend(
  pool: pg.Pool,
  id: string,
  outcome: SendOutcome,
  now: number,
): Promise<SendRow | undefined> {
  return withTransaction(pool, async (client) => {
    const current = await getSend(client, id, true);
    if (!current) return undefined;
    // A status webhook may have settled the send first (its wamid adopted): keep that.
    if (keepsSettlement(current, outcome)) return current;
    const result = await client.query<Row>(
      `UPDATE sends SET state = $1, wamid = COALESCE($2, wamid), wa_id = COALESCE($3, wa_id), user_id = COALESCE($4, user_id),
         message_status = COALESCE($5, message_status), error = $6, updated_at = $7 WHERE id = $8
       RETURNING ${SEND_COLUMNS}`,
      finishParams(id, outcome, now),
    );
    const after = toSendRow(result.rows[0]!);
    if (after.wamid !== null) await attachContext(client, after.wamid, after.id, after.metadata, now);
    return after;
  });
}

async function attachContext(
  db: Queryable,
  wamid: string,
  sendId: string,
  metadata: BusinessMetadata | null,
  now: number,
): Promise<void> {
  const inserted = await db.query(
    'INSERT INTO message_context (wamid, send_id, metadata, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (wamid) DO NOTHING',
    [wamid, sendId, JSON.stringify(metadata ?? {}), now],
  );
  if (inserted.rowCount === 0) {
    await db.query('UPDATE message_context SET send_id = $1 WHERE wamid = $2', [sendId, wamid]);
    return;
  }
  if (metadata) await indexMetadata(db, wamid, metadata);
}

async function indexMetadata(db: Queryable, wamid: string, metadata: BusinessMetadata): Promise<void> {
  await db.query('DELETE FROM message_metadata WHERE wamid = $1', [wamid]);
  const entries = metadataIndexEntries(metadata);
  if (entries.length === 0) return;
  await db.query(
    `INSERT INTO message_metadata (key, value, wamid)
     SELECT key, value, $3 FROM unnest($1::text[], $2::text[]) AS entry(key, value) ON CONFLICT DO NOTHING`,
    [entries.map((entry) => entry.key), entries.map((entry) => entry.value), wamid],
  );
}

export function putMessageMetadata(
  pool: pg.Pool,
  wamid: string,
  metadata: BusinessMetadata,
  now: number,
): Promise<void> {
  return withTransaction(pool, async (client) => {
    await client.query(
      `INSERT INTO message_context (wamid, send_id, metadata, updated_at) VALUES ($1, NULL, $2, $3)
       ON CONFLICT (wamid) DO UPDATE SET metadata = excluded.metadata, updated_at = excluded.updated_at`,
      [wamid, JSON.stringify(metadata), now],
    );
    await indexMetadata(client, wamid, metadata);
  });
}

export async function messageContexts(
  db: Queryable,
  wamids: readonly string[],
): Promise<Map<string, MessageContext>> {
  const found = new Map<string, MessageContext>();
  const unique = [...new Set(wamids)];
  if (unique.length === 0) return found;
  const contexts = await db.query<ContextRecord & { send_id: string | null }>(
    'SELECT wamid, send_id, metadata FROM message_context WHERE wamid = ANY($1::text[])',
    [unique],
  );
  const sends = await db.query<Row>(
    `SELECT ${SEND_COLUMNS} FROM sends WHERE wamid = ANY($1::text[])
       OR id = ANY(SELECT send_id FROM message_context WHERE wamid = ANY($1::text[]))`,
    [unique],
  );
  const byId = new Map(sends.rows.map((record) => [record.id, toSendRow(record)]));
  for (const record of contexts.rows) {
    found.set(
      record.wamid,
      toMessageContext(record, record.send_id === null ? null : (byId.get(record.send_id) ?? null)),
    );
  }
  for (const send of byId.values()) {
    if (send.wamid !== null && !found.has(send.wamid))
      found.set(send.wamid, { wamid: send.wamid, metadata: send.metadata, send });
  }
  return found;
}

export async function settleSends(
  db: Queryable,
  settlements: readonly SendSettlement[],
  now: number,
): Promise<Map<string, MessageContext>> {
  const settled = new Map<string, MessageContext>();
  for (const settlement of settlements) {
    const result = await db.query<Row>(
      `UPDATE sends SET state = 'accepted', wamid = $1, wa_id = COALESCE(wa_id, $2), user_id = COALESCE(user_id, $3), updated_at = $4
       WHERE id = $5 AND wamid IS NULL AND state IN ('sending', 'unknown')
         AND NOT EXISTS (SELECT 1 FROM sends WHERE wamid = $1)
       RETURNING ${SEND_COLUMNS}`,
      [settlement.wamid, settlement.waId, settlement.userId, now, settlement.sendId],
    );
    const record = result.rows[0];
    if (!record) continue;
    const send = toSendRow(record);
    await attachContext(db, settlement.wamid, send.id, send.metadata, now);
    settled.set(settlement.wamid, { wamid: settlement.wamid, metadata: send.metadata, send });
  }
  return settled;
}

export async function findWamidsByMetadata(
  db: Queryable,
  key: string,
  value: string,
  limit: number,
  afterWamid = '',
): Promise<string[]> {
  const result = await db.query<{ wamid: string }>(
    `SELECT wamid FROM message_metadata WHERE key = $1 AND value = $2 AND wamid COLLATE "C" > $3
     ORDER BY wamid COLLATE "C" LIMIT $4`,
    [key, value, afterWamid, limit],
  );
  return result.rows.map((row) => row.wamid);
}

export async function listSends(
  db: Queryable,
  options: { states: readonly SendState[]; createdBefore: number; limit: number; afterId?: string },
): Promise<SendRow[]> {
  const result = await db.query<Row>(
    `SELECT ${SEND_COLUMNS} FROM sends WHERE state = ANY($1::text[]) AND created_at <= $2 AND id > $3
     ORDER BY id LIMIT $4`,
    [options.states, options.createdBefore, options.afterId ?? '', options.limit],
  );
  return result.rows.map(toSendRow);
}
