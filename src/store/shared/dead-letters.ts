import type {
  DeadLetter,
  DeadLetterFilter,
  DeadLetterMatch,
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
} from './delivery-rows.js';
import type { Dialect, SqlOps } from './sql-ops.js';

/**
 * Dead letters, written once for both stores: listed and read by the admin API, matched and
 * replayed by `wahook replay`. Replay moves dead letters back to pending, in the replay lane.
 */

/** Values bound in order: each `bind` answers the next placeholder. */
class Params {
  readonly values: unknown[] = [];
  bind(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** WHERE clauses (over `d`, the deliveries) for the dead letters a filter picks. */
function filterSql(dialect: Dialect, filter: DeadLetterFilter, params: Params): string {
  const clauses = [`d.state = 'dead'`];
  if (filter.subscriptionId !== undefined)
    clauses.push(`d.subscription_id = ${params.bind(filter.subscriptionId)}`);
  if (filter.since !== undefined) clauses.push(`d.finished_at >= ${params.bind(filter.since)}`);
  if (filter.errorContains !== undefined)
    clauses.push(dialect.containsCi('d.last_error', params.bind(filter.errorContains)));
  return clauses.join(' AND ');
}

/** WHERE clauses (over `d`) for the dead letters a replay selector picks. */
function selectorSql(dialect: Dialect, selector: DeadLetterSelector, params: Params): string {
  if (!('ids' in selector)) return filterSql(dialect, selector, params);
  return `d.state = 'dead' AND ${dialect.inList('d.id', params.bind(dialect.list(selector.ids)), 'bigint')}`;
}

export async function listDeadLetters(
  ops: SqlOps,
  query: DeadLetterFilter & { afterId?: number; limit: number },
): Promise<DeadLetter[]> {
  const params = new Params();
  const where = filterSql(ops.dialect, query, params);
  const result = await ops.query<DeadLetterRecord>(
    `SELECT ${DEAD_LETTER_COLUMNS} FROM deliveries d JOIN events e ON e.seq = d.event_seq
     WHERE ${where} AND d.id > ${params.bind(query.afterId ?? 0)} ORDER BY d.id LIMIT ${params.bind(query.limit)}`,
    params.values,
  );
  return result.rows.map(toDeadLetter);
}

export async function getDeadLetter(
  ops: SqlOps,
  id: number,
): Promise<(DeadLetter & { attemptLog: DeliveryAttempt[] }) | undefined> {
  const result = await ops.query<DeadLetterRecord>(
    `SELECT ${DEAD_LETTER_COLUMNS} FROM deliveries d JOIN events e ON e.seq = d.event_seq
     WHERE d.id = $1 AND d.state = 'dead'`,
    [id],
  );
  const record = result.rows[0];
  if (!record) return undefined;
  const attempts = await ops.query<AttemptRow>(
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
  ops: SqlOps,
  selector: DeadLetterSelector,
  options: ReplayOptions,
): Promise<number> {
  const params = new Params();
  const where = selectorSql(ops.dialect, selector, params);
  const limit = options.limit === undefined ? '' : `LIMIT ${params.bind(options.limit)}`;
  const selected = `SELECT d.id FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id AND s.enabled = TRUE
    WHERE ${where} ORDER BY d.id ${limit}`;
  if (options.dryRun) {
    const result = await ops.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM (${selected}) AS chosen`,
      params.values,
    );
    return Number(result.rows[0]?.n ?? 0);
  }
  const result = await ops.query(
    `UPDATE deliveries SET state = 'pending', lane = 'replay', attempts = 0, next_attempt_at = ${params.bind(options.now)},
       lease_owner = NULL, lease_until = NULL, finished_at = NULL
     WHERE id IN (${selected})`,
    params.values,
  );
  return result.changes;
}

/** How many dead letters a selector picks, per subscription, counting at most `limit`. */
export async function matchDeadLetters(
  ops: SqlOps,
  selector: DeadLetterSelector,
  limit: number,
): Promise<DeadLetterMatch[]> {
  const params = new Params();
  const where = selectorSql(ops.dialect, selector, params);
  const result = await ops.query<{ subscription_id: string; count: number }>(
    `SELECT subscription_id, COUNT(*) AS count
     FROM (SELECT d.subscription_id FROM deliveries d WHERE ${where} LIMIT ${params.bind(limit)}) AS chosen
     GROUP BY subscription_id ORDER BY subscription_id`,
    params.values,
  );
  return result.rows.map((row) => ({ subscriptionId: row.subscription_id, count: Number(row.count) }));
}
