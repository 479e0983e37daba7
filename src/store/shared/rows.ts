import type {
  InboxAppend,
  InboxRow,
  InboxState,
  InboxStats,
  InboxSummary,
  RejectedRequest,
  RejectedRequestRow,
} from '../ports.js';

/** Row mappers shared by both adapters: the column names are the same in both dialects. */
export interface InboxRecord {
  id: number | string;
  received_at: number | string;
  source: string;
  auth: string;
  content_type: string | null;
  headers: string | Record<string, string>;
  body: Buffer;
  state: string;
  attempts: number;
  error: string | null;
  processed_at: number | string | null;
}

/** An inbox append's values in insert order: received_at, source, auth, content_type, headers, body. */
export type InboxValues = [
  receivedAt: number,
  source: string,
  auth: string,
  contentType: string | null,
  headersJson: string,
  body: Uint8Array,
];

export function inboxValues(row: InboxAppend): InboxValues {
  return [row.receivedAt, row.source, row.auth, row.contentType, JSON.stringify(row.headers), row.body];
}

/** The counts of inbox rows by state, and when the oldest pending one came, on both stores. */
export const INBOX_STATS_SQL = `SELECT COUNT(*) AS total,
    COUNT(*) FILTER (WHERE state = 'pending') AS pending,
    COUNT(*) FILTER (WHERE state = 'quarantined') AS quarantined,
    COUNT(*) FILTER (WHERE state = 'processed') AS processed,
    (SELECT MIN(received_at) FROM inbox_rows WHERE state = 'pending') AS oldest
  FROM inbox_state`;

/** The counts row INBOX_STATS_SQL selects. */
export interface InboxStatsRecord {
  total: number;
  pending: number;
  quarantined: number;
  processed: number;
  oldest: number | null;
}

export function toInboxStats(record: InboxStatsRecord): InboxStats {
  return {
    total: record.total,
    pending: record.pending,
    quarantined: record.quarantined,
    processed: record.processed,
    oldestPendingAt: record.oldest,
  };
}

export function toInboxRow(record: InboxRecord): InboxRow {
  return {
    id: Number(record.id),
    receivedAt: Number(record.received_at),
    source: record.source,
    auth: record.auth === 'header' ? 'header' : 'hmac',
    contentType: record.content_type,
    headers: typeof record.headers === 'string' ? JSON.parse(record.headers) : record.headers,
    body: record.body,
    state: record.state as InboxState,
    attempts: Number(record.attempts),
    error: record.error,
    processedAt: record.processed_at === null ? null : Number(record.processed_at),
  };
}

export interface RejectedRecord {
  id: number | string;
  received_at: number | string;
  method: string;
  path: string;
  status: number;
  reason: string;
  hints: string | string[];
  headers: string | Record<string, string>;
  body_prefix: Buffer;
  body_bytes: number;
  remote_address: string | null;
}

export function toRejectedRow(record: RejectedRecord): RejectedRequestRow {
  return {
    id: Number(record.id),
    receivedAt: Number(record.received_at),
    method: record.method,
    path: record.path,
    status: record.status,
    reason: record.reason,
    hints: typeof record.hints === 'string' ? JSON.parse(record.hints) : record.hints,
    headers: typeof record.headers === 'string' ? JSON.parse(record.headers) : record.headers,
    bodyPrefix: record.body_prefix,
    bodyBytes: Number(record.body_bytes),
    remoteAddress: record.remote_address,
  };
}

/** Both adapters list the inbox with the same columns: everything but the body, plus its length. */
export const INBOX_SUMMARY_COLUMNS = `id, received_at, source, auth, content_type, headers, state, attempts, error,
  processed_at, length(body) AS body_bytes`;

/**
 * `AND state = '<state>'` for an inbox list, or nothing. A literal (an enum value, checked to be
 * lowercase letters only, never caller text), so both planners can use the partial indexes on
 * pending and quarantined rows.
 */
export function inboxStateFilter(state: InboxState | undefined): string {
  if (state === undefined) return '';
  if (!/^[a-z]{1,20}$/.test(state)) throw new Error(`not an inbox state: ${String(state)}`);
  return `AND state = '${state}'`;
}

export function toInboxSummary(
  record: Omit<InboxRecord, 'body'> & { body_bytes: number | string },
): InboxSummary {
  const { body: _body, ...row } = toInboxRow({ ...record, body: Buffer.alloc(0) });
  return { ...row, bodyBytes: Number(record.body_bytes) };
}

/** The rejected-request columns in insert order, and one request's values in that order. */
export const REJECTED_COLUMNS = `received_at, method, path, status, reason, hints, headers,
  body_prefix, body_bytes, remote_address`;

export function rejectedValues(request: RejectedRequest): unknown[] {
  return [
    request.receivedAt,
    request.method,
    request.path,
    request.status,
    request.reason,
    JSON.stringify(request.hints),
    JSON.stringify(request.headers),
    request.bodyPrefix,
    request.bodyBytes,
    request.remoteAddress,
  ];
}
