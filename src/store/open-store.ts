import { setTimeout as sleep } from 'node:timers/promises';
import { sqlitePath } from '../config/load.js';
import { WahookError } from '../errors.js';
import type { Store } from './ports.js';
import { createSqliteStore, type SqliteStoreOptions } from './sqlite/store.js';

/** Picks the adapter from WAHOOK_DATABASE_URL and migrates it; `sqlite` applies to SQLite only. */
export async function openStore(databaseUrl: string, sqlite: SqliteStoreOptions = {}): Promise<Store> {
  try {
    if (databaseUrl.startsWith('sqlite:')) return await createSqliteStore(sqlitePath(databaseUrl), sqlite);
    const { createPostgresStore } = await import('./postgres/store.js');
    return await createPostgresStore(databaseUrl);
  } catch (err) {
    if (err instanceof WahookError) throw err;
    throw new WahookError('store_unavailable', `cannot open the store: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;

export interface OpenRetry {
  /** Called after each failed attempt that will be retried, with the reason. */
  onWaiting(reason: string): Promise<void> | void;
  /** Settles when the process is asked to stop: waiting then ends with the last failure. */
  stopped?: Promise<unknown>;
  /** SQLite settings (WAL limit, disk reserve), passed to openStore. */
  sqlite?: SqliteStoreOptions;
}

/**
 * Opens the store, and when PostgreSQL cannot be reached yet, keeps trying with a backoff instead
 * of failing: a database that is restarting, or that starts after wahook, is an outage to ride
 * out, not a reason to exit. What no retry can fix (bad settings, a schema from a newer version,
 * an unusable SQLite path) still fails at once.
 */
export async function openStoreWhenReachable(databaseUrl: string, retry: OpenRetry): Promise<Store> {
  let stop = false;
  void retry.stopped?.then(() => {
    stop = true;
  });
  for (let delayMs = RETRY_MIN_MS; ; delayMs = Math.min(delayMs * 2, RETRY_MAX_MS)) {
    try {
      return await openStore(databaseUrl, retry.sqlite);
    } catch (err) {
      if (stop || !isOutage(databaseUrl, err)) throw err;
      await retry.onWaiting((err as WahookError).message);
      await Promise.race([sleep(delayMs), retry.stopped]);
      if (stop) throw err;
    }
  }
}

function isOutage(databaseUrl: string, err: unknown): boolean {
  return !databaseUrl.startsWith('sqlite:') && err instanceof WahookError && err.code === 'store_unavailable';
}
