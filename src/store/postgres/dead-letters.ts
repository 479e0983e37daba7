import type pg from 'pg';
import type {
  DeadLetter,
  DeadLetterFilter,
  DeadLetterSelector,
  DeliveryAttempt,
  ReplayOptions,
} from '../delivery-ports.js';
import {
  type AttemptRow,
  DEAD_LETTER_COLUMNS,
  type DeadLetterRecord,
  toDeadLetter,
  toDeliveryAttempt,
} from '../shared/delivery-rows.js';
import type { Queryable } from './sql.js';

/** Replay moves dead letters back to pending, in the replay lane. */

/** WHERE clauses for a filter, binding values into `params` (placeholders continue its numbering). */
function filterSql(filter: DeadLetterFilter, params: unknown[]): string {
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const clauses = [`d.state = 'dead'`];
  if (filter.subscriptionId !== undefined) clauses.push(`d.subscription_id = ${bind(filter.subscriptionId)}`);
  if (filter.since !== undefined) clauses.push(`d.finished_at >= ${bind(filter.since)}`);
  if (filter.errorContains !== undefined) {
    // strpos on lower() rather than LIKE: the operator's text may contain % or _.
    clauses.push(`strpos(lower(d.last_error), lower(${bind(filter.errorContains)})) > 0`);
  }
  return clauses.join(' AND ');
}

/** WHERE clauses (over `d`) for the dead letters a replay selector picks, binding into `params`. */
export function selectorSql(selector: DeadLetterSelector, params: unknown[]): string {
  if (!('ids' in selector)) return filterSql(selector, params);
  params.push([...selector.ids]);
  return `d.state = 'dead' AND d.id = ANY($${params.length}::bigint[])`;
}

export async function listDeadLetters(
  db: Queryable,
  query: DeadLetterFilter & { afterId?: number; limit: number },
): Promise<DeadLetter[]> {
  const params: unknown[] = [];
  const where = filterSql(query, params);
  params.push(query.afterId ?? 0, query.limit);
  const result = await db.query<DeadLetterRecord & pg.QueryResultRow>(
    `SELECT ${DEAD_LETTER_COLUMNS} FROM deliveries d JOIN events e ON e.seq = d.event_seq
     WHERE ${where} AND d.id > $${params.length - 1} ORDER BY d.id LIMIT $${params.length}`,
    params,
  );
  return result.rows.map(toDeadLetter);
}

export async function getDeadLetter(
  db: Queryable,
  id: number,
): Promise<(DeadLetter & { attemptLog: DeliveryAttempt[] }) | undefined> {
  const result = await db.query<DeadLetterRecord & pg.QueryResultRow>(
    `SELECT ${DEAD_LETTER_COLUMNS} FROM deliveries d JOIN events e ON e.seq = d.event_seq
     WHERE d.id = $1 AND d.state = 'dead'`,
    [id],
  );
  const record = result.rows[0];
  if (!record) return undefined;
  const attempts = await db.query<AttemptRow & pg.QueryResultRow>(
    'SELECT * FROM delivery_attempts WHERE delivery_id = $1 ORDER BY id',
    [id],
  );
  return { ...toDeadLetter(record), attemptLog: attempts.rows.map(toDeliveryAttempt) };
}

/**
 * dead → pending in the replay lane, with a fresh retry budget and due now. Dead letters of a
 * disabled subscription stay where they are: replaying them would only wait for a re-enable.
 */
export async function replayDeadLetters(
  db: Queryable,
  selector: DeadLetterSelector,
  options: ReplayOptions,
): Promise<number> {
  const params: unknown[] = [];
  const where = selectorSql(selector, params);
  // LIMIT NULL is no limit.
  params.push(options.limit ?? null);
  const selected = `SELECT d.id FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id AND s.enabled
    WHERE ${where} ORDER BY d.id LIMIT $${params.length}`;
  if (options.dryRun) {
    const result = await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM (${selected}) AS chosen`, params);
    return result.rows[0]?.n ?? 0;
  }
  params.push(options.now);
  const result = await db.query(
    `UPDATE deliveries SET state = 'pending', lane = 'replay', attempts = 0, next_attempt_at = $${params.length},
       lease_owner = NULL, lease_until = NULL, finished_at = NULL
     WHERE id IN (${selected})`,
    params,
  );
  return result.rowCount ?? 0;
}
