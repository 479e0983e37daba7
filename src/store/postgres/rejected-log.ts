import type pg from 'pg';
import type { RejectedRequest, RejectedRequestRow } from '../ports.js';
import { REJECTED_COLUMNS, type RejectedRecord, rejectedValues, toRejectedRow } from '../shared/rows.js';
import { insertRows, type Queryable, withTransaction } from './sql.js';

/** Records rejected requests and trims the table to about `maxRows`, in one transaction. */
export async function recordRejected(
  pool: pg.Pool,
  requests: readonly RejectedRequest[],
  maxRows: number,
): Promise<void> {
  if (requests.length === 0) return;
  await withTransaction(pool, async (client) => {
    const inserted = await insertRows<{ id: number }>(
      client,
      `INSERT INTO rejected_requests (${REJECTED_COLUMNS})`,
      ['', '', '', '', '', '::jsonb', '::jsonb', '', '', ''],
      requests.map(rejectedValues),
      'RETURNING id',
    );
    const lastId = Math.max(...inserted.map((row) => row.id));
    // Trimming by id keeps the cost constant however long the table has been filling.
    await client.query('DELETE FROM rejected_requests WHERE id <= $1', [lastId - maxRows]);
  });
}

export async function listRejected(
  db: Queryable,
  options: { limit: number; beforeId?: number },
): Promise<RejectedRequestRow[]> {
  const result = await db.query<RejectedRecord & pg.QueryResultRow>(
    'SELECT * FROM rejected_requests WHERE id < $1 ORDER BY id DESC LIMIT $2',
    [options.beforeId ?? Number.MAX_SAFE_INTEGER, options.limit],
  );
  return result.rows.map(toRejectedRow);
}
