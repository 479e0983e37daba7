import type { BusinessMetadata, MessageContext, SendOutcome, SendRow, SendState } from '../send-ports.js';

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
}

export const SEND_COLUMNS = `id, idempotency_key, request_hash, phone_number_id, input, recipient, recipient_kind,
  message_type, message, metadata, state, wamid, wa_id, user_id, message_status, error, created_at, updated_at`;

/** SEND_COLUMNS qualified by a table alias, for a SELECT that joins sends to other tables. */
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
