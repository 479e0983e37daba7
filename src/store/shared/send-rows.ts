import type {
  BusinessMetadata,
  MessageContext,
  SendOutcome,
  SendRow,
  SendState,
  StuckSend,
  StuckStage,
} from '../send-ports.js';
import { type MessageRow, toStoredMessage } from './event-rows.js';

/** Row mappers for sends and message context, shared by both adapters (same column names). */
export interface SendRecord {
  id: string;
  idempotency_key: string | null;
  request_hash: string;
  phone_number_id: string;
  input: string;
  recipient: string;
  recipient_kind: string;
  message_type: string;
  message: string;
  metadata: string | null;
  state: string;
  wamid: string | null;
  wa_id: string | null;
  user_id: string | null;
  message_status: string | null;
  error: string | null;
  created_at: number | string;
  updated_at: number | string;
  stuck_stage: string | null;
  stuck_at: number | string | null;
}

export const SEND_COLUMNS = `id, idempotency_key, request_hash, phone_number_id, input, recipient, recipient_kind,
  message_type, message, metadata, state, wamid, wa_id, user_id, message_status, error, created_at, updated_at,
  stuck_stage, stuck_at`;

/**
 * The stuck list's query. The judgement columns say which sends the scan found stuck; the
 * message's current status, joined by its primary key, drops those whose status moved on after the
 * scan stopped re-reading them.
 */
export function stuckSendsQuery(options: {
  limit: number;
  phoneNumberId?: string;
  before?: { stuckAt: number; id: string };
}): { sql: string; params: unknown[] } {
  // Only the scan sets a stage, and only on accepted sends, a state they never leave: the partial
  // index alone names the candidates.
  const conditions = ['s.stuck_stage IS NOT NULL'];
  const params: unknown[] = [];
  const next = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (options.phoneNumberId !== undefined)
    conditions.push(`s.phone_number_id = ${next(options.phoneNumberId)}`);
  if (options.before) {
    // A row value, which both stores read as a range of the index (an OR of two ranges is not).
    conditions.push(`(s.stuck_at, s.id) < (${next(options.before.stuckAt)}, ${next(options.before.id)})`);
  }
  conditions.push(
    `((s.stuck_stage = 'sent' AND (m.status IS NULL OR m.status = 'accepted'))
      OR (s.stuck_stage = 'delivered' AND (m.status IS NULL OR m.status NOT IN ('delivered', 'read', 'played', 'failed'))))`,
  );
  return {
    sql: `SELECT ${sendColumns('s')}, ${STUCK_MESSAGE_COLUMNS} FROM sends s LEFT JOIN messages m ON m.id = s.wamid
      WHERE ${conditions.join(' AND ')} ORDER BY s.stuck_at DESC, s.id DESC LIMIT ${next(options.limit)}`,
    params,
  };
}

/** The joined message's columns, renamed so they cannot meet a send column; all null without a status. */
const STUCK_MESSAGE_COLUMNS = `m.id AS m_id, m.direction AS m_direction, m.status AS m_status,
  m.phone_number_id AS m_phone_number_id, m.record AS m_record, m.first_seen_at AS m_first_seen_at,
  m.updated_at AS m_updated_at`;

/** A row of the stuck list: the send, and its message as stored when one is (m_id not null). */
export type StuckSendRecord = SendRecord & { [K in keyof MessageRow as `m_${K}`]: MessageRow[K] | null };

export function toStuckSend(record: StuckSendRecord): StuckSend {
  const message =
    record.m_id === null
      ? undefined
      : toStoredMessage({
          id: record.m_id,
          direction: record.m_direction as string,
          status: record.m_status as string,
          phone_number_id: record.m_phone_number_id,
          record: record.m_record,
          first_seen_at: record.m_first_seen_at as number | string,
          updated_at: record.m_updated_at as number | string,
        });
  return { send: toSendRow(record), message };
}

export function sendColumns(alias: string): string {
  return SEND_COLUMNS.split(',')
    .map((column) => `${alias}.${column.trim()}`)
    .join(', ');
}

export function toSendRow(record: SendRecord): SendRow {
  return {
    id: record.id,
    idempotencyKey: record.idempotency_key,
    requestHash: record.request_hash,
    phoneNumberId: record.phone_number_id,
    input: record.input,
    recipient: record.recipient,
    recipientKind: record.recipient_kind === 'bsuid' ? 'bsuid' : 'phone',
    messageType: record.message_type,
    message: parseOr(record.message, null),
    metadata: record.metadata === null ? null : (parseOr(record.metadata, null) as BusinessMetadata | null),
    state: record.state as SendState,
    wamid: record.wamid,
    waId: record.wa_id,
    userId: record.user_id,
    messageStatus: record.message_status,
    error: record.error === null ? null : parseOr(record.error, record.error),
    createdAt: Number(record.created_at),
    updatedAt: Number(record.updated_at),
    stuckStage: record.stuck_stage as StuckStage | null,
    stuckAt: record.stuck_at === null ? null : Number(record.stuck_at),
  };
}

export interface ContextRecord {
  wamid: string;
  metadata: string;
}

export function toMessageContext(record: ContextRecord, send: SendRow | null): MessageContext {
  return {
    wamid: record.wamid,
    metadata: parseOr(record.metadata, null) as BusinessMetadata | null,
    send,
  };
}

function parseOr(text: string, fallback: unknown): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}

/**
 * The rules of recording an outcome, for both adapters: a send a status webhook settled first
 * (accepted, its wamid adopted) keeps that; otherwise the parameters of the UPDATE, in column
 * order state, wamid, wa_id, user_id, message_status, error, updated_at, id.
 */
export function keepsSettlement(current: SendRow, outcome: SendOutcome): boolean {
  return current.state === 'accepted' && outcome.state !== 'accepted';
}

export function finishParams(id: string, outcome: SendOutcome, now: number): unknown[] {
  return [
    outcome.state,
    outcome.wamid ?? null,
    outcome.waId ?? null,
    outcome.userId ?? null,
    outcome.messageStatus ?? null,
    outcome.error === undefined || outcome.error === null ? null : JSON.stringify(outcome.error),
    now,
    id,
  ];
}
