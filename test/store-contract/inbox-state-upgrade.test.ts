import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/ports.js';
import { createPostgresStore } from '../../src/store/postgres/store.js';
import { loadMigrations } from '../../src/store/shared/migrations.js';
import { createSqliteStore } from '../../src/store/sqlite/store.js';
import { describePostgres, TestSchemas } from '../helpers/postgres.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';

/**
 * Migration 004 moves the inbox's changing columns (state, lease, attempts, error) into a table of
 * their own. A database that already holds rows in every state must come out of it with each row
 * exactly as it was, and behave as before: claims, reprocessing and new appends.
 */
const ROWS_BEFORE = [
  // A pending row whose lease has run out, after two attempts.
  {
    id: 1,
    state: 'pending',
    attempts: 2,
    leaseOwner: 'worker-gone',
    leaseUntil: 5,
    error: null,
    processedAt: null,
  },
  {
    id: 2,
    state: 'processed',
    attempts: 1,
    leaseOwner: null,
    leaseUntil: null,
    error: null,
    processedAt: 1_700,
  },
  {
    id: 3,
    state: 'quarantined',
    attempts: 1,
    leaseOwner: null,
    leaseUntil: null,
    error: 'invalid JSON',
    processedAt: 1_800,
  },
] as const;

const V3_INSERT = `INSERT INTO inbox (id, received_at, source, auth, content_type, headers, body, state, attempts,
  lease_owner, lease_until, error, processed_at)`;

/** One row's bound values, in placeholder order (source, auth and content type are constants). */
function v3Values(row: (typeof ROWS_BEFORE)[number]): unknown[] {
  return [
    row.id,
    1_000 + row.id,
    JSON.stringify({ 'user-agent': 'facebookexternalua' }),
    Buffer.from(`{"n":${row.id}}`),
    row.state,
    row.attempts,
    row.leaseOwner,
    row.leaseUntil,
    row.error,
    row.processedAt,
  ];
}

async function expectUpgraded(store: Store): Promise<void> {
  for (const before of ROWS_BEFORE) {
    const row = await store.getInboxRow(before.id);
    expect(row).toMatchObject({
      id: before.id,
      receivedAt: 1_000 + before.id,
      source: 'meta',
      headers: { 'user-agent': 'facebookexternalua' },
      state: before.state,
      attempts: before.attempts,
      error: before.error,
      processedAt: before.processedAt,
    });
    expect(row?.body.toString()).toBe(`{"n":${before.id}}`);
  }
  expect(await store.inboxStats()).toEqual({
    total: 3,
    pending: 1,
    quarantined: 1,
    processed: 1,
    oldestPendingAt: 1_001,
  });
  expect((await store.listInbox({ state: 'quarantined', limit: 10 })).map((row) => row.id)).toEqual([3]);

  // The expired lease is claimable, and counts its third attempt.
  const claimed = await store.claimInbox({ owner: 'w', limit: 10, leaseMs: 60_000, now: 10 });
  expect(claimed.map((row) => [row.id, row.attempts, row.body.toString()])).toEqual([[1, 3, '{"n":1}']]);
  expect(await store.claimInbox({ owner: 'other', limit: 10, leaseMs: 60_000, now: 20 })).toEqual([]);

  // A new append starts pending, with no attempts.
  const [id] = await store.appendInboxBatch([
    {
      receivedAt: 2_000,
      source: 'meta',
      auth: 'hmac',
      contentType: null,
      headers: {},
      body: Buffer.from('{}'),
    },
  ]);
  expect(await store.getInboxRow(id!)).toMatchObject({ id, state: 'pending', attempts: 0, error: null });

  expect(await store.requeueQuarantined([3])).toBe(1);
  expect((await store.getInboxRow(3))?.state).toBe('pending');
}

describe('inbox state upgrade on SQLite', () => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = await createTempDir();
  });
  afterAll(async () => {
    await dir.remove();
  });

  it('keeps every row and its state through migration 004', async () => {
    const path = join(dir.path, 'v3.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
    for (const migration of loadMigrations('sqlite').filter((m) => m.version <= 3)) {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(migration.version, migration.name);
    }
    const insert = db.prepare(`${V3_INSERT} VALUES (?, ?, 'meta', 'hmac', NULL, ?, ?, ?, ?, ?, ?, ?, ?)`);
    for (const row of ROWS_BEFORE) {
      insert.run(...v3Values(row));
    }
    db.close();

    const store = await createSqliteStore(path);
    try {
      await expectUpgraded(store);
    } finally {
      await store.close();
    }
  });
});

describePostgres('inbox state upgrade on PostgreSQL', () => {
  const schemas = new TestSchemas('inbox-state-upgrade');
  let passed = false;
  afterAll(async () => {
    await schemas.finish(!passed);
  });

  it('keeps every row and its state through migration 004', async () => {
    const target = await schemas.create();
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    try {
      await client.query(`CREATE TABLE schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
      for (const migration of loadMigrations('postgres').filter((m) => m.version <= 3)) {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations VALUES ($1, $2, 0)', [
          migration.version,
          migration.name,
        ]);
      }
      for (const row of ROWS_BEFORE) {
        await client.query(
          `${V3_INSERT} OVERRIDING SYSTEM VALUE
           VALUES ($1, $2, 'meta', 'hmac', NULL, $3::jsonb, $4, $5, $6, $7, $8, $9, $10)`,
          v3Values(row),
        );
      }
      // Appends after the upgrade take ids after the ones inserted by hand.
      await client.query(`SELECT setval(pg_get_serial_sequence('inbox', 'id'), 3)`);
    } finally {
      await client.end();
    }

    const store = await createPostgresStore(target.url, { poolSize: 2 });
    try {
      await expectUpgraded(store);
    } finally {
      await store.close();
    }
    passed = true;
  });
});
