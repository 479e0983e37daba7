import type Database from 'better-sqlite3';
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

/** Replay moves dead letters back to pending, in the replay lane. */

function filterSql(filter: DeadLetterFilter): { where: string; params: Record<string, unknown> } {
  const clauses = [`d.state = 'dead'`];
  const params: Record<string, unknown> = {};
  if (filter.subscriptionId !== undefined) {
    clauses.push('d.subscription_id = @subscriptionId');
    params.subscriptionId = filter.subscriptionId;
  }
  if (filter.since !== undefined) {
    clauses.push('d.finished_at >= @since');
    params.since = filter.since;
  }
  if (filter.errorContains !== undefined) {
    // instr on lower() rather than LIKE: the operator's text may contain % or _.
    clauses.push('instr(lower(d.last_error), lower(@errorContains)) > 0');
    params.errorContains = filter.errorContains;
  }
  return { where: clauses.join(' AND '), params };
}

/** WHERE clauses (over `d`, the deliveries) for the dead letters a replay selector picks. */
export function selectorSql(selector: DeadLetterSelector): {
  where: string;
  params: Record<string, unknown>;
} {
  return 'ids' in selector
    ? {
        where: `d.state = 'dead' AND d.id IN (SELECT value FROM json_each(@ids))`,
        params: { ids: JSON.stringify(selector.ids) },
      }
    : filterSql(selector);
}

export function listDeadLetters(
  db: Database.Database,
  query: DeadLetterFilter & { afterId?: number; limit: number },
): DeadLetter[] {
  const { where, params } = filterSql(query);
  const records = db
    .prepare(
      `SELECT ${DEAD_LETTER_COLUMNS} FROM deliveries d JOIN events e ON e.seq = d.event_seq
       WHERE ${where} AND d.id > @afterId ORDER BY d.id LIMIT @limit`,
    )
    .all({ ...params, afterId: query.afterId ?? 0, limit: query.limit }) as DeadLetterRecord[];
  return records.map(toDeadLetter);
}

export function getDeadLetter(
  db: Database.Database,
  id: number,
): (DeadLetter & { attemptLog: DeliveryAttempt[] }) | undefined {
  const record = db
    .prepare(
      `SELECT ${DEAD_LETTER_COLUMNS} FROM deliveries d JOIN events e ON e.seq = d.event_seq
       WHERE d.id = ? AND d.state = 'dead'`,
    )
    .get(id) as DeadLetterRecord | undefined;
  if (!record) return undefined;
  const attempts = db
    .prepare('SELECT * FROM delivery_attempts WHERE delivery_id = ? ORDER BY id')
    .all(id) as AttemptRow[];
  return { ...toDeadLetter(record), attemptLog: attempts.map(toDeliveryAttempt) };
}

/**
 * dead → pending in the replay lane, with a fresh retry budget and due now. Dead letters of a
 * disabled subscription stay where they are: replaying them would only wait for a re-enable.
 */
export function replayDeadLetters(
  db: Database.Database,
  selector: DeadLetterSelector,
  options: ReplayOptions,
): number {
  const { where, params } = selectorSql(selector);
  const selected = `SELECT d.id FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id AND s.enabled = 1
    WHERE ${where} ORDER BY d.id LIMIT @limit`;
  const all = { ...params, limit: options.limit ?? -1 };
  if (options.dryRun) {
    return (db.prepare(`SELECT COUNT(*) AS n FROM (${selected})`).get(all) as { n: number }).n;
  }
  return db
    .prepare(
      `UPDATE deliveries SET state = 'pending', lane = 'replay', attempts = 0, next_attempt_at = @now,
         lease_owner = NULL, lease_until = NULL, finished_at = NULL
       WHERE id IN (${selected})`,
    )
    .run({ ...all, now: options.now }).changes;
}
