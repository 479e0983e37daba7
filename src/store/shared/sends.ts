import {
  type BusinessMetadata,
  type MessageContext,
  metadataIndexEntries,
  type NewSend,
  type SendOutcome,
  type SendRow,
  type SendSettlement,
  type SendState,
  type StuckJudgement,
  type StuckSend,
} from '../send-ports.js';
import type { ErasurePlan } from './erasure.js';
import {
  type ContextRecord,
  finishParams,
  keepsSettlement,
  SEND_COLUMNS,
  type SendRecord,
  type StuckSendRecord,
  sendColumns,
  stuckSendsQuery,
  toMessageContext,
  toSendRow,
  toStuckSend,
} from './send-rows.js';
import type { SqlOps, SqlTxOps } from './sql-ops.js';

/**
 * Sends and message context, written once for both stores (the rules are in send-ports.ts). Two
 * retries with one idempotency key race on the unique index; the loser's INSERT does nothing and
 * it reads the winner's row. Functions that take `SqlOps` run inside the caller's transaction (the
 * processing transaction); those that take `SqlTxOps` open their own.
 */
export async function createSend(ops: SqlOps, send: NewSend): Promise<{ created: boolean; send: SendRow }> {
  const result = await ops.query<SendRecord>(
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
  return { created: false, send: (await getSendByIdempotencyKey(ops, send.idempotencyKey ?? ''))! };
}

/** `lock`: inside a transaction, hold the row until it ends. */
export async function getSend(ops: SqlOps, id: string, lock = false): Promise<SendRow | undefined> {
  const result = await ops.query<SendRecord>(
    `SELECT ${SEND_COLUMNS} FROM sends WHERE id = $1 ${lock ? ops.dialect.forUpdate : ''}`,
    [id],
  );
  const record = result.rows[0];
  return record ? toSendRow(record) : undefined;
}

export async function getSendByIdempotencyKey(ops: SqlOps, key: string): Promise<SendRow | undefined> {
  const result = await ops.query<SendRecord>(`SELECT ${SEND_COLUMNS} FROM sends WHERE idempotency_key = $1`, [
    key,
  ]);
  const record = result.rows[0];
  return record ? toSendRow(record) : undefined;
}

export function finishSend(
  ops: SqlTxOps,
  id: string,
  outcome: SendOutcome,
  now: number,
): Promise<SendRow | undefined> {
  return ops.transaction(async (tx) => {
    const current = await getSend(tx, id, true);
    if (!current) return undefined;
    // A status webhook may have settled the send first (its wamid adopted): keep that.
    if (keepsSettlement(current, outcome)) return current;
    const result = await tx.query<SendRecord>(
      `UPDATE sends SET state = $1, wamid = COALESCE($2, wamid), wa_id = COALESCE($3, wa_id), user_id = COALESCE($4, user_id),
         message_status = COALESCE($5, message_status), error = $6, updated_at = $7 WHERE id = $8
       RETURNING ${SEND_COLUMNS}`,
      finishParams(id, outcome, now),
    );
    const after = toSendRow(result.rows[0]!);
    if (after.wamid !== null) await attachContext(tx, after.wamid, after.id, after.metadata, now);
    return after;
  });
}

/** Links a wamid to its send, and its metadata into the index, unless the wamid has context already. */
async function attachContext(
  ops: SqlOps,
  wamid: string,
  sendId: string,
  metadata: BusinessMetadata | null,
  now: number,
): Promise<void> {
  const inserted = await ops.query(
    'INSERT INTO message_context (wamid, send_id, metadata, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (wamid) DO NOTHING',
    [wamid, sendId, JSON.stringify(metadata ?? {}), now],
  );
  if (inserted.changes === 0) {
    await ops.query('UPDATE message_context SET send_id = $1 WHERE wamid = $2', [sendId, wamid]);
    return;
  }
  if (metadata) await indexMetadata(ops, wamid, metadata);
}

/** Replaces the wamid's index entries, all in one INSERT (each entry a [key, value] pair of a JSON array). */
export async function indexMetadata(ops: SqlOps, wamid: string, metadata: BusinessMetadata): Promise<void> {
  await ops.query('DELETE FROM message_metadata WHERE wamid = $1', [wamid]);
  const entries = metadataIndexEntries(metadata);
  if (entries.length === 0) return;
  // WHERE true: without it SQLite would read ON CONFLICT as part of the SELECT's join.
  await ops.query(
    `INSERT INTO message_metadata (key, value, wamid)
     SELECT entry.value ->> 0, entry.value ->> 1, $2 FROM ${ops.dialect.jsonRows('$1', 'entry')} WHERE true
     ON CONFLICT DO NOTHING`,
    [JSON.stringify(entries.map((entry) => [entry.key, entry.value])), wamid],
  );
}

export function putMessageMetadata(
  ops: SqlTxOps,
  wamid: string,
  metadata: BusinessMetadata,
  now: number,
): Promise<void> {
  return ops.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO message_context (wamid, send_id, metadata, updated_at) VALUES ($1, NULL, $2, $3)
       ON CONFLICT (wamid) DO UPDATE SET metadata = excluded.metadata, updated_at = excluded.updated_at`,
      [wamid, JSON.stringify(metadata), now],
    );
    await indexMetadata(tx, wamid, metadata);
  });
}

/** A wamid asked for, its context row's columns and its send's (all null where the join found none). */
interface ContextJoinRow extends Omit<SendRecord, 'id'> {
  id: string | null;
  wanted: string;
  context_metadata: string | null;
}

/**
 * The context of each wamid, in one query for the whole batch: its context row with the send it
 * names, or, for a wamid that has no context row, the send that carries it. A send accepted
 * moments ago has its context row written in the same transaction, so the second case covers a
 * wamid known only from the send row.
 */
export async function messageContexts(
  ops: SqlOps,
  wamids: readonly string[],
): Promise<Map<string, MessageContext>> {
  const found = new Map<string, MessageContext>();
  const unique = [...new Set(wamids)];
  if (unique.length === 0) return found;
  const result = await ops.query<ContextJoinRow>(
    `SELECT w.value AS wanted, c.metadata AS context_metadata, ${sendColumns('s')}
     FROM ${ops.dialect.listRows('$1', 'text', 'w')}
     LEFT JOIN message_context c ON c.wamid = w.value
     LEFT JOIN sends s ON s.id = CASE WHEN c.wamid IS NULL
       THEN (SELECT x.id FROM sends x WHERE x.wamid = w.value) ELSE c.send_id END`,
    [ops.dialect.list(unique)],
  );
  for (const row of result.rows) {
    const send = row.id === null ? null : toSendRow({ ...row, id: row.id });
    if (row.context_metadata !== null) {
      const context: ContextRecord = { wamid: row.wanted, metadata: row.context_metadata };
      found.set(row.wanted, toMessageContext(context, send));
    } else if (send) {
      found.set(row.wanted, { wamid: row.wanted, metadata: send.metadata, send });
    }
  }
  return found;
}

/** Runs inside the processing transaction: adopts each wamid for the send it names, once. */
export async function settleSends(
  ops: SqlOps,
  settlements: readonly SendSettlement[],
  now: number,
): Promise<Map<string, MessageContext>> {
  const settled = new Map<string, MessageContext>();
  for (const settlement of settlements) {
    const result = await ops.query<SendRecord>(
      `UPDATE sends SET state = 'accepted', wamid = $1, wa_id = COALESCE(wa_id, $2), user_id = COALESCE(user_id, $3), updated_at = $4
       WHERE id = $5 AND wamid IS NULL AND state IN ('sending', 'unknown')
         AND NOT EXISTS (SELECT 1 FROM sends WHERE wamid = $1)
       RETURNING ${SEND_COLUMNS}`,
      [settlement.wamid, settlement.waId, settlement.userId, now, settlement.sendId],
    );
    const record = result.rows[0];
    if (!record) continue;
    const send = toSendRow(record);
    await attachContext(ops, settlement.wamid, send.id, send.metadata, now);
    settled.set(settlement.wamid, { wamid: settlement.wamid, metadata: send.metadata, send });
  }
  return settled;
}

export async function findWamidsByMetadata(
  ops: SqlOps,
  key: string,
  value: string,
  limit: number,
  afterWamid = '',
): Promise<string[]> {
  const wamid = ops.dialect.bytewise('wamid');
  const result = await ops.query<{ wamid: string }>(
    `SELECT wamid FROM message_metadata WHERE key = $1 AND value = $2 AND ${wamid} > $3 ORDER BY ${wamid} LIMIT $4`,
    [key, value, afterWamid, limit],
  );
  return result.rows.map((row) => row.wamid);
}

export async function listSends(
  ops: SqlOps,
  options: { states: readonly SendState[]; createdBefore: number; limit: number; afterId?: string },
): Promise<SendRow[]> {
  if (options.states.length === 0) return [];
  const result = await ops.query<SendRecord>(
    `SELECT ${SEND_COLUMNS} FROM sends WHERE ${ops.dialect.inList('state', '$1', 'text')} AND created_at <= $2
       AND id > $3 ORDER BY id LIMIT $4`,
    [ops.dialect.list(options.states), options.createdBefore, options.afterId ?? '', options.limit],
  );
  return result.rows.map(toSendRow);
}

/** The stuck scan's judgements, in one transaction: a stage marks the send stuck since `now`, null clears it. */
export async function setStuck(
  ops: SqlTxOps,
  judgements: readonly StuckJudgement[],
  now: number,
): Promise<void> {
  if (judgements.length === 0) return;
  await ops.transaction(async (tx) => {
    for (const judgement of judgements)
      await tx.query('UPDATE sends SET stuck_stage = $1, stuck_at = $2 WHERE id = $3', [
        judgement.stage,
        judgement.stage === null ? null : now,
        judgement.sendId,
      ]);
  });
}

export async function listStuckSends(
  ops: SqlOps,
  options: Parameters<typeof stuckSendsQuery>[0],
): Promise<StuckSend[]> {
  const query = stuckSendsQuery(options);
  const result = await ops.query<StuckSendRecord>(query.sql, query.params);
  return result.rows.map(toStuckSend);
}

/**
 * Part of an erasure (see erasure.ts), inside its transaction: the sends, and the business
 * metadata of every erased message and send (it may name the person). Answers the sends removed.
 */
export async function eraseSendsAndContext(
  ops: SqlOps,
  plan: Pick<ErasurePlan, 'messageIds' | 'sendIds'>,
): Promise<number> {
  const { dialect } = ops;
  const sendIds = dialect.list(plan.sendIds);
  const sent = await ops.query<{ wamid: string }>(
    `SELECT wamid FROM sends WHERE wamid IS NOT NULL AND ${dialect.inList('id', '$1', 'text')}`,
    [sendIds],
  );
  const wamids = dialect.list([...plan.messageIds, ...sent.rows.map((row) => row.wamid)]);
  await ops.query(`DELETE FROM message_metadata WHERE ${dialect.inList('wamid', '$1', 'text')}`, [wamids]);
  await ops.query(
    `DELETE FROM message_context WHERE ${dialect.inList('wamid', '$1', 'text')} OR ${dialect.inList('send_id', '$2', 'text')}`,
    [wamids, sendIds],
  );
  const sends = await ops.query(`DELETE FROM sends WHERE ${dialect.inList('id', '$1', 'text')}`, [sendIds]);
  return sends.changes;
}
