import type { ScannedSend } from '../send-ports.js';
import { type SendRecord, sendColumns, toSendRow } from './send-rows.js';
import type { SqlOps } from './sql-ops.js';

/**
 * The stuck scan's two reads, written once for both stores. Each page of sends comes with its
 * messages' current statuses, joined by the messages' primary key, so a scan costs one query per
 * page however many sends it judges.
 */
type ScanRecord = SendRecord & { m_status: string | null };

const SCAN_COLUMNS = `${sendColumns('s')}, m.status AS m_status`;

/** The look-back: accepted sends created at or before `createdBefore`, in id order after `afterId`. */
export function scanWindowQuery(options: { createdBefore: number; afterId: string; limit: number }): {
  sql: string;
  params: unknown[];
} {
  return {
    sql: `SELECT ${SCAN_COLUMNS} FROM sends s LEFT JOIN messages m ON m.id = s.wamid
      WHERE s.state = 'accepted' AND s.created_at <= $1 AND s.id > $2 ORDER BY s.id LIMIT $3`,
    params: [options.createdBefore, options.afterId, options.limit],
  };
}

/**
 * Flagged sends older than the look-back (id before `beforeId`), in judgement order after the
 * cursor. The scan starts the cursor at its horizon, so flags judged before it are never read:
 * a range of the partial index sends_stuck, as long as the flags of the horizon, not of all time.
 */
export function flaggedSendsQuery(options: {
  beforeId: string;
  after: { stuckAt: number; id: string };
  limit: number;
}): { sql: string; params: unknown[] } {
  return {
    sql: `SELECT ${SCAN_COLUMNS} FROM sends s LEFT JOIN messages m ON m.id = s.wamid
      WHERE s.stuck_stage IS NOT NULL AND (s.stuck_at, s.id) > ($1, $2) AND s.id < $3
      ORDER BY s.stuck_at, s.id LIMIT $4`,
    params: [options.after.stuckAt, options.after.id, options.beforeId, options.limit],
  };
}

export async function listScanWindow(
  ops: SqlOps,
  options: Parameters<typeof scanWindowQuery>[0],
): Promise<ScannedSend[]> {
  return run(ops, scanWindowQuery(options));
}

export async function listFlaggedSends(
  ops: SqlOps,
  options: Parameters<typeof flaggedSendsQuery>[0],
): Promise<ScannedSend[]> {
  return run(ops, flaggedSendsQuery(options));
}

async function run(ops: SqlOps, query: { sql: string; params: unknown[] }): Promise<ScannedSend[]> {
  const result = await ops.query<ScanRecord>(query.sql, query.params);
  return result.rows.map((record) => ({ send: toSendRow(record), status: record.m_status ?? undefined }));
}
