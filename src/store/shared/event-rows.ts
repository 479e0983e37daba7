import { type NewEvent, RecordNotJson, type StoredEvent, type StoredMessage } from '../ports.js';

/** Row mappers for events and messages, shared by both adapters (same column names). */
export interface EventRecord {
  seq: number | string;
  id: string;
  type: string;
  schema_version: number;
  created_at: number | string;
  ordering_key: string;
  phone_number_id: string | null;
  data: string | unknown;
}

export function toStoredEvent(record: EventRecord): StoredEvent {
  return {
    seq: Number(record.seq),
    id: record.id,
    type: record.type,
    schemaVersion: Number(record.schema_version),
    createdAt: Number(record.created_at),
    orderingKey: record.ordering_key,
    phoneNumberId: record.phone_number_id,
    data: typeof record.data === 'string' ? JSON.parse(record.data) : record.data,
  };
}

/**
 * A new event with the seq the store gave it. Field by field, not `{ ...event, seq }`: on Node 20 a
 * key added after a leading spread costs about a microsecond, paid for every event processed.
 */
export function withSeq(event: NewEvent, seq: number): StoredEvent {
  return {
    id: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    createdAt: event.createdAt,
    orderingKey: event.orderingKey,
    phoneNumberId: event.phoneNumberId,
    data: event.data,
    seq,
  };
}

export interface MessageRow {
  id: string;
  direction: string;
  status: string;
  phone_number_id: string | null;
  record: string | unknown;
  first_seen_at: number | string;
  updated_at: number | string;
}

/** A record column SQLite holds as text; see RecordNotJson. */
function parseRecordText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    return new RecordNotJson((err as Error).message);
  }
}

export function toStoredMessage(row: MessageRow): StoredMessage {
  return {
    id: row.id,
    direction: row.direction,
    status: row.status,
    phoneNumberId: row.phone_number_id,
    record: typeof row.record === 'string' ? parseRecordText(row.record) : row.record,
    firstSeenAt: Number(row.first_seen_at),
    updatedAt: Number(row.updated_at),
  };
}

/**
 * The counterpart of a message as migration 014 indexes it: the first wa_id and user_id the stored
 * record's text names, found in the text (not parsed: PostgreSQL refuses to unescape a NUL, which
 * a record may hold). A query must use the same expression to use the index.
 */
export const COUNTERPART_EXPRESSIONS = {
  sqlite: {
    waId: `(CASE WHEN instr(record, '"waId":"') > 0 THEN substr(record, instr(record, '"waId":"') + 8, instr(substr(record, instr(record, '"waId":"') + 8), '"') - 1) END)`,
    userId: `(CASE WHEN instr(record, '"userId":"') > 0 THEN substr(record, instr(record, '"userId":"') + 10, instr(substr(record, instr(record, '"userId":"') + 10), '"') - 1) END)`,
  },
  postgres: {
    waId: `(substring(record::text from '"waId":"([^"]*)"'))`,
    userId: `(substring(record::text from '"userId":"([^"]*)"'))`,
  },
} as const;
