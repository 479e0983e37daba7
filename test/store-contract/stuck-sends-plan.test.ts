import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore, type PostgresStore } from '../../src/store/postgres/store.js';
import { stuckSendsQuery } from '../../src/store/shared/send-rows.js';
import { flaggedSendsQuery } from '../../src/store/shared/stuck-scan-reads.js';
import { createSqliteStore } from '../../src/store/sqlite/store.js';
import { describePostgres, TestSchemas } from '../helpers/postgres.js';
import { createTempDir } from '../helpers/tmp.js';

/**
 * The stuck list reads the partial index of judged sends in its order, and each message by its
 * key, on both stores: its cost follows the page, not the number of sends. Read from the plans,
 * which do not flake as timings would.
 */
const QUERIES = [
  stuckSendsQuery({ limit: 50 }),
  stuckSendsQuery({ limit: 50, phoneNumberId: '112233445566778', before: { stuckAt: 15_000, id: 'snd_x' } }),
];

/** The scan's read of old flags, from its horizon on: a range of the same index, in its order. */
const FLAGGED = flaggedSendsQuery({ beforeId: 'snd_x', after: { stuckAt: 15_000, id: '' }, limit: 500 });

describe('SQLite stuck list plan', () => {
  it('scans sends_stuck in order and looks each message up by id', async () => {
    const dir = await createTempDir();
    const store = await createSqliteStore(join(dir.path, 'plan.db'));
    try {
      for (const query of QUERIES) {
        const plan = store.db
          .prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
          // Shared SQL numbers its placeholders; SQLite binds them by those names.
          .all(Object.fromEntries(query.params.map((value, index) => [index + 1, value]))) as {
          detail: string;
        }[];
        const details = plan.map((step) => step.detail).join('\n');
        expect(details).toMatch(/(SCAN|SEARCH) s USING INDEX sends_stuck\b/);
        expect(details).toMatch(/SEARCH m USING INDEX \S+ \(id=\?\)/);
        expect(details).not.toMatch(/TEMP B-TREE/);
      }
      const plan = store.db
        .prepare(`EXPLAIN QUERY PLAN ${FLAGGED.sql}`)
        .all(Object.fromEntries(FLAGGED.params.map((value, index) => [index + 1, value]))) as {
        detail: string;
      }[];
      const details = plan.map((step) => step.detail).join('\n');
      expect(details).toMatch(/SEARCH s USING INDEX sends_stuck \(\(stuck_at,id\)>\(\?,\?\)\)/);
      expect(details).toMatch(/SEARCH m USING INDEX \S+ \(id=\?\)/);
      expect(details).not.toMatch(/TEMP B-TREE/);
    } finally {
      await store.close();
      await dir.remove();
    }
  });
});

describePostgres('PostgreSQL stuck list plan', () => {
  const schemas = new TestSchemas('stuck_plan');
  let store: PostgresStore;
  let sql: pg.Client;
  let failed = false;

  beforeAll(async () => {
    const created = await schemas.create();
    store = await createPostgresStore(created.url, { poolSize: 2 });
    sql = new pg.Client({ connectionString: created.url });
    await sql.connect();
    // Many sends, few of them judged stuck: the shape the list must stay cheap on.
    await sql.query(
      `INSERT INTO sends (id, request_hash, phone_number_id, input, recipient, recipient_kind, message_type,
         message, state, wamid, created_at, updated_at, stuck_stage, stuck_at)
       SELECT 'snd_' || lpad(g::text, 8, '0'), 'h', '112233445566778', '+1', '+1', 'phone', 'text', '{}',
         'accepted', 'wamid.' || g, g, g,
         CASE WHEN g % 1000 = 0 THEN 'sent' END, CASE WHEN g % 1000 = 0 THEN g END
       FROM generate_series(1, 20000) g`,
    );
    await sql.query('ANALYZE sends');
    await sql.query('ANALYZE messages');
  });
  afterEach((context) => {
    if (context.task.result?.state === 'fail') failed = true;
  });
  afterAll(async () => {
    await sql?.end();
    await store?.close();
    await schemas.finish(failed);
  });

  it('reads sends_stuck backwards, without sorting, and each message by its key', async () => {
    for (const query of QUERIES) {
      const result = await sql.query(`EXPLAIN ${query.sql}`, query.params);
      const plan = result.rows.map((row: Record<string, string>) => Object.values(row)[0]).join('\n');
      expect(plan).toMatch(/Index Scan Backward using sends_stuck/);
      expect(plan).not.toMatch(/\bSort\b/);
    }
  });

  it('reads the flags judged since the horizon as a range of sends_stuck, in its order', async () => {
    const result = await sql.query(`EXPLAIN ${FLAGGED.sql}`, FLAGGED.params);
    const plan = result.rows.map((row: Record<string, string>) => Object.values(row)[0]).join('\n');
    expect(plan).toMatch(/Index Scan using sends_stuck on sends s/);
    expect(plan).toMatch(/Index Cond: \(\(ROW\(stuck_at, id\) > ROW\(/);
    expect(plan).not.toMatch(/\bSort\b/);
  });
});
