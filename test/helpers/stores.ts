import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe } from 'vitest';
import type { Store } from '../../src/store/ports.js';
import type { PostgresStoreOptions } from '../../src/store/postgres/connection.js';
import { LOCK_CLASS, schemaLockKey } from '../../src/store/postgres/locks.js';
import { createPostgresStore } from '../../src/store/postgres/store.js';
import { createSqliteStore } from '../../src/store/sqlite/store.js';
import { describePostgres, TestSchemas } from './postgres.js';
import { waitFor } from './wait.js';

/**
 * One backend of the store contract: where a test file's database lives and how to get stores on
 * it. A test file works in one database (a temp SQLite file, a PostgreSQL schema); each test
 * starts from emptied tables, except after a failed test, whose database is kept as it was and a
 * fresh one is used from then on.
 */
export interface StoreBackend {
  readonly name: 'sqlite' | 'postgres';
  /** Contract clauses this adapter is known to break; their tests are expected to fail until fixed. */
  /** `describe`, or a skip / CI failure when this backend cannot run here. */
  describe(name: string, body: () => void): void;
  setup(): Promise<void>;
  /** A migrated store on the current database. */
  open(): Promise<Store>;
  /** The current database as a WAHOOK_DATABASE_URL, for a server of its own on it. */
  databaseUrl(): string;
  /**
   * A store whose processing transactions can be open at the same time as `store`'s: another
   * node's pool on PostgreSQL; on SQLite, one writer per database, the same store.
   */
  concurrentWriter(store: Store): Promise<Store>;
  /**
   * Resolves once a processing transaction waits for another's lock: the one on the event log, or
   * the one on message `messageId`.
   */
  writerBlocked(lock: { events: true } | { messageId: string }): Promise<void>;
  /** Empties every table of the current database (its stores must be closed). */
  reset(): Promise<void>;
  /** Moves to a new, empty, unmigrated database, keeping the current one as it is. */
  nextDatabase(): Promise<void>;
  appliedMigrations(): Promise<number[]>;
  teardown(keep: boolean): Promise<void>;
}

export function sqliteBackend(label: string): StoreBackend {
  const dir = mkdtempSync(join(tmpdir(), `wahook-${label}-`));
  let generation = 0;
  const path = () => join(dir, `store-${generation}.db`);
  const withDb = <T>(use: (db: Database.Database) => T): T => {
    const db = new Database(path());
    try {
      return use(db);
    } finally {
      db.close();
    }
  };
  return {
    name: 'sqlite',
    describe,
    setup: async () => undefined,
    open: () => createSqliteStore(path()),
    databaseUrl: () => `sqlite:${path()}`,
    concurrentWriter: async (store) => store,
    // The other transaction waits on the store's in-process lock; one turn lets it get there.
    writerBlocked: () => new Promise((resolve) => setImmediate(resolve)),
    reset: async () =>
      withDb((db) => {
        const tables = db
          .prepare(
            `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('schema_migrations')`,
          )
          .all() as { name: string }[];
        db.pragma('foreign_keys = OFF');
        for (const { name } of tables) db.prepare(`DELETE FROM "${name}"`).run();
      }),
    nextDatabase: async () => {
      generation += 1;
    },
    appliedMigrations: async () =>
      withDb((db) =>
        (
          db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]
        ).map((row) => row.version),
      ),
    teardown: async (keep) => {
      if (keep) console.warn(`kept SQLite files for inspection in ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Small pools and short timeouts: many test files share one server. */
const TEST_STORE_OPTIONS: PostgresStoreOptions = { poolSize: 4 };

export function postgresBackend(
  label: string,
  options: PostgresStoreOptions = TEST_STORE_OPTIONS,
): StoreBackend {
  let schemas: TestSchemas | undefined;
  let current: { schema: string; url: string } | undefined;
  const need = () => {
    if (!schemas || !current) throw new Error('postgresBackend: setup() has not run');
    return { schemas, current };
  };
  return {
    name: 'postgres',
    describe: describePostgres,
    setup: async () => {
      schemas = new TestSchemas(label);
      current = await schemas.create();
    },
    open: () => createPostgresStore(need().current.url, options),
    databaseUrl: () => need().current.url,
    concurrentWriter: () => createPostgresStore(need().current.url, options),
    writerBlocked: async (lock) => {
      const { schemas, current } = need();
      const [classId, key] =
        'messageId' in lock
          ? [LOCK_CLASS.message, `hashtext('${current.schema}:' || $2::text)::oid`]
          : [LOCK_CLASS.events, `${schemaLockKey(current.schema) >>> 0}::oid`];
      const sql = `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
        AND classid = $1 AND objid = ${key}`;
      const params = 'messageId' in lock ? [classId, lock.messageId] : [classId];
      await waitFor(async () => ((await schemas.admin.query(sql, params)).rowCount ?? 0) > 0, 'a lock wait');
    },
    reset: async () => {
      const { schemas, current } = need();
      const tables = await schemas.admin.query<{ tablename: string }>(
        `SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename <> 'schema_migrations'`,
        [current.schema],
      );
      if (tables.rows.length === 0) return;
      const names = tables.rows.map((row) => `${current.schema}."${row.tablename}"`).join(', ');
      await schemas.admin.query(`TRUNCATE ${names} RESTART IDENTITY CASCADE`);
    },
    nextDatabase: async () => {
      current = await need().schemas.create();
    },
    appliedMigrations: async () => {
      const { schemas, current } = need();
      const result = await schemas.admin.query<{ version: number }>(
        `SELECT version FROM ${current.schema}.schema_migrations ORDER BY version`,
      );
      return result.rows.map((row) => row.version);
    },
    teardown: async (keep) => {
      await schemas?.finish(keep);
    },
  };
}
