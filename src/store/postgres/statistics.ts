import type pg from 'pg';
import { LOCK_CLASS } from './locks.js';

/** The queue tables whose claims go wrong first when the planner's picture of them is old. */
export const QUEUE_TABLES = ['deliveries', 'inbox_state'] as const;

/** Checked at most this often per process: one catalog read, no table access. */
const CHECK_EVERY_MS = 2_000;
/** A table is re-analyzed once this many rows changed and... */
const MIN_CHANGED_ROWS = 1_000;
/** ...they are this share of the rows the planner believes the table has. */
const CHANGED_SHARE = 0.2;

/**
 * Keeps the planner's statistics of the queue tables current, so the claims keep their plans when
 * a backlog grows faster than autovacuum looks (or autovacuum is off): PostgreSQL estimates a
 * table's rows from its last ANALYZE, and a table analyzed when every delivery had succeeded makes
 * it believe no row is pending; on a backlog of 50,000 that belief turned a claim of milliseconds
 * into minutes. The check reads the changed-row counters PostgreSQL keeps anyway; ANALYZE reads a
 * bounded sample (300 × default_statistics_target rows), so it costs about the same on any size.
 * Roles without the right to ANALYZE a table are told so once by the caller's error and then skip.
 */
export class QueueStatistics {
  private nextCheckAt = 0;
  private running: Promise<void> | undefined;
  private refused = false;

  constructor(
    private readonly pool: pg.Pool,
    /** schemaLockKey of the store's schema: nodes of one schema take turns, other schemas do not wait. */
    private readonly schemaKey: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves once the statistics are known to be fresh enough, analyzing first when they are not. */
  refreshIfStale(): Promise<void> {
    if (this.refused || this.now() < this.nextCheckAt) return Promise.resolve();
    this.nextCheckAt = this.now() + CHECK_EVERY_MS;
    this.running ??= this.refresh().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async refresh(): Promise<void> {
    const stale = await staleQueueTables(this.pool);
    if (stale.length === 0) return;
    const client = await this.pool.connect();
    try {
      const locked = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1, $2) AS locked',
        [LOCK_CLASS.analyze, this.schemaKey],
      );
      if (!locked.rows[0]?.locked) return;
      try {
        for (const table of stale) await client.query(`ANALYZE ${table}`);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS.analyze, this.schemaKey]);
      }
    } catch (err) {
      // 42501: not the table's owner. Nothing to gain from asking every 2 s.
      if ((err as { code?: string }).code === '42501') this.refused = true;
      else throw err;
    } finally {
      client.release();
    }
  }
}

/** The queue tables of the current schema whose rows changed a lot since their last ANALYZE. */
export async function staleQueueTables(db: pg.Pool | pg.ClientBase): Promise<string[]> {
  const result = await db.query<{ relname: string }>(
    `SELECT s.relname
     FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
     WHERE s.schemaname = current_schema() AND s.relname = ANY($1::text[])
       AND s.n_mod_since_analyze > $2
       AND s.n_mod_since_analyze > $3 * GREATEST(c.reltuples, 0)`,
    [QUEUE_TABLES, MIN_CHANGED_ROWS, CHANGED_SHARE],
  );
  return result.rows.map((row) => row.relname);
}
