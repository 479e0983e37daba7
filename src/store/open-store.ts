import { sqlitePath } from '../config/load.js';
import { WahookError } from '../errors.js';
import type { Store } from './ports.js';
import { createSqliteStore } from './sqlite/store.js';

/** Picks the adapter from WAHOOK_DATABASE_URL and migrates it. */
export async function openStore(databaseUrl: string): Promise<Store> {
  try {
    if (databaseUrl.startsWith('sqlite:')) return await createSqliteStore(sqlitePath(databaseUrl));
    const { createPostgresStore } = await import('./postgres/store.js');
    return await createPostgresStore(databaseUrl);
  } catch (err) {
    if (err instanceof WahookError) throw err;
    throw new WahookError('store_unavailable', `cannot open the store: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
