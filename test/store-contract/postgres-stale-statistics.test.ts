import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { staleQueueTables } from '../../src/store/postgres/statistics.js';
import { createPostgresStore, type PostgresStore } from '../../src/store/postgres/store.js';
import { describePostgres, TestSchemas } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

const DUE = 50_000;

/**
 * A backlog that grows after the planner last looked: autovacuum off (or behind), the tables
 * analyzed while every delivery had succeeded, then 50,000 deliveries due at once. PostgreSQL then
 * believes no row is pending and plans the claim's ordering check as a scan per candidate: the claim
 * ran into the statement timeout on every try and delivery stalled for good. The store refreshes
 * the queue tables' statistics itself when they changed this much, and the claim gets its rows.
 */
describePostgres('PostgreSQL claims with stale statistics', () => {
  const schemas = new TestSchemas('stale_stats');
  let store: PostgresStore;
  let sql: pg.Client;
  let url: string;
  let failed = false;
  const now = Date.now();

  beforeAll(async () => {
    const created = await schemas.create();
    url = created.url;
    store = await createPostgresStore(created.url, { poolSize: 2 });
    sql = new pg.Client({ connectionString: created.url });
    await sql.connect();
    for (const table of ['deliveries', 'events', 'inbox_state', 'inbox']) {
      await sql.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    }
    await sql.query(
      `INSERT INTO subscriptions (id, url, events, secret, source, created_at, updated_at)
       VALUES ('sub_a', 'http://127.0.0.1:9/', '["*"]', 'whsec_dGVzdA==', 'api', $1, $1)`,
      [now],
    );
    // What the planner last saw: a small table where every delivery succeeded.
    await sql.query(
      `INSERT INTO events (id, type, schema_version, created_at, ordering_key, data)
       SELECT 'evt_old_' || g, 'message.status', 1, $1, 'msg:old' || g, '{}' FROM generate_series(1, 100) g`,
      [now],
    );
    await sql.query(
      `INSERT INTO deliveries (subscription_id, event_seq, event_id, ordering_key, sequence, state,
         next_attempt_at, event_created_at, created_at, finished_at)
       SELECT 'sub_a', seq, id, ordering_key, 1, 'succeeded', $1, $1, $1, $1 FROM events`,
      [now],
    );
    await sql.query('ANALYZE deliveries');
    await sql.query('ANALYZE events');
    // Then the backlog, one key per message as status events have.
    await sql.query(
      `INSERT INTO events (id, type, schema_version, created_at, ordering_key, data)
       SELECT 'evt_due_' || g, 'message.status', 1, $1, 'msg:wamid' || g, '{"status":"sent"}'
       FROM generate_series(1, $2) g`,
      [now, DUE],
    );
    await sql.query(
      `INSERT INTO deliveries (subscription_id, event_seq, event_id, ordering_key, sequence, state,
         next_attempt_at, event_created_at, created_at)
       SELECT 'sub_a', seq, id, ordering_key, 1, 'pending', $1::bigint - 1000, $1, $1
       FROM events WHERE id LIKE 'evt_due_%'`,
      [now],
    );
  }, 120_000);
  afterEach((test) => {
    failed ||= test.task.result?.state === 'fail';
  });
  afterAll(async () => {
    await sql?.end();
    await store?.close();
    await schemas.finish(failed);
  });

  it('claims from a 50,000-row backlog the planner has not seen, after refreshing its statistics', async () => {
    // PostgreSQL publishes a backend's row counters up to a second after its transaction ends.
    await waitFor(
      async () => (await staleQueueTables(sql)).includes('deliveries'),
      'the counters to show the backlog',
    );
    const claimed = await store.claimDeliveries({
      owner: 'stale-test',
      lane: 'live',
      limit: 64,
      leaseMs: 30_000,
      now,
      slots: new Map(),
      defaultSlots: 64,
    });
    expect(claimed).toHaveLength(64);
    expect(await staleQueueTables(sql)).not.toContain('deliveries');
    const analyzed = await sql.query<{ last_analyze: Date | null }>(
      `SELECT last_analyze FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = 'deliveries'`,
    );
    expect(analyzed.rows[0]?.last_analyze).not.toBeNull();
  }, 60_000);

  it('claims the inbox from a backlog the planner has not seen', async () => {
    // A store of its own: the first one checked the statistics moments ago and waits 2 s to look again.
    const inboxStore = await createPostgresStore(url, { poolSize: 2 });
    const append = (n: number, from: number) =>
      inboxStore.appendInboxBatch(
        Array.from({ length: n }, (_, i) => ({
          receivedAt: now,
          source: 'meta',
          auth: 'hmac' as const,
          contentType: 'application/json',
          headers: {},
          body: Buffer.from(`{"n":${from + i}}`),
        })),
      );
    await append(100, 0);
    await sql.query(`UPDATE inbox_state SET state = 'processed', processed_at = $1`, [now]);
    await sql.query('ANALYZE inbox_state');
    for (let i = 0; i < 20; i++) await append(1_000, 100 + i * 1_000);
    await waitFor(
      async () => (await staleQueueTables(sql)).includes('inbox_state'),
      'the counters to show the backlog',
    );
    try {
      const rows = await inboxStore.claimInbox({ owner: 'stale-test', limit: 100, leaseMs: 30_000, now });
      expect(rows).toHaveLength(100);
      expect(rows[0]?.id).toBe(101);
      expect(await staleQueueTables(sql)).not.toContain('inbox_state');
    } finally {
      await inboxStore.close();
    }
  }, 60_000);
});
