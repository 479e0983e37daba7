import type pg from 'pg';
import { WahookError } from '../../errors.js';
import { loadMigrations, type Migration, refuseNewerSchema } from '../shared/migrations.js';
import { describeTarget, type PostgresStoreOptions, withSession } from './connection.js';
import { LOCK_CLASS, schemaLockKey } from './locks.js';
import { QUEUE_TABLES } from './statistics.js';

/**
 * Applies pending migrations from sql/postgres/. Nodes that start together race here, so the
 * whole loop runs under a session advisory lock for this schema: the second node waits, then
 * finds every version recorded and applies nothing. The lock is taken before even creating
 * schema_migrations, because two concurrent CREATE TABLE IF NOT EXISTS can still collide in the
 * catalog. Each migration commits with its version row, so a failure leaves the schema at the
 * last good version.
 */
export async function migrateSchema(client: pg.ClientBase, schema: string): Promise<Migration[]> {
  const key = schemaLockKey(schema);
  await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_CLASS.migrate, key]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
    const done = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(done.rows.map((row) => row.version));
    const migrations = loadMigrations('postgres');
    refuseNewerSchema(migrations, applied, `PostgreSQL schema ${schema}`);
    const pending = migrations.filter((migration) => !applied.has(migration.version));
    for (const migration of pending) await applyOne(client, migration);
    // New or changed indexes and columns are planned from statistics: gather them now rather than
    // when autovacuum next looks, so the first claims after an upgrade already get the right plan.
    if (pending.length > 0) for (const table of QUEUE_TABLES) await client.query(`ANALYZE ${table}`);
    return pending;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS.migrate, key]);
  }
}

async function applyOne(client: pg.ClientBase, migration: Migration): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(migration.sql);
    await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
      migration.version,
      migration.name,
      Date.now(),
    ]);
    await client.query('COMMIT');
  } catch (err) {
    // The migration's own error is the one to report; a ROLLBACK on a dead connection adds nothing.
    await client.query('ROLLBACK').catch(() => undefined);
    throw new WahookError(
      'store_migration_failed',
      `migration ${String(migration.version).padStart(3, '0')}_${migration.name} failed: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** The schema new tables go to; a search_path naming no existing schema is a configuration error. */
export async function currentSchema(client: pg.ClientBase, url: string): Promise<string> {
  const result = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
  const schema = result.rows[0]?.schema;
  if (schema) return schema;
  throw new WahookError(
    'config_invalid',
    `no schema to use in ${describeTarget(url)}: search_path names none that exists`,
    {
      hint: 'Create the schema first (CREATE SCHEMA name), or fix search_path in WAHOOK_DATABASE_URL.',
    },
  );
}

/** What `wahook migrate` does for a PostgreSQL URL: connect, migrate, disconnect. */
export async function migratePostgresDatabase(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<{ applied: Migration[]; version: number }> {
  return withSession(url, options, async (client) => {
    const applied = await migrateSchema(client, await currentSchema(client, url));
    const latest = await client.query<{ version: number | null }>(
      'SELECT MAX(version) AS version FROM schema_migrations',
    );
    return { applied, version: latest.rows[0]?.version ?? 0 };
  });
}
