import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Opens a connection with the settings every wahook SQLite connection shares. WAL lets readers
 * run beside the one writer.
 *
 * `FULL` makes every commit fsync the WAL: the inbox writer uses it, so the receiver answers 200
 * only for bytes that survive a power cut. `NORMAL` commits without the fsync and stays
 * crash-safe (a killed process loses nothing; a power cut can lose the last commits, never
 * corrupt). The processing and delivery connection uses it: everything it writes can be derived
 * again from the durable inbox, and a reprocessed row yields the same event ids, so consumers
 * dedupe the repeat. The next inbox commit's fsync also makes every earlier WAL frame durable.
 *
 * No connection checkpoints on commit: the store's checkpoint thread copies the WAL back beside
 * the writers (see checkpoint-thread.ts), and closing the last connection checkpoints what is left.
 * The WAL file is cut back to 64 MiB after a checkpoint that let it restart.
 */
export function openSqlite(path: string, synchronous: 'FULL' | 'NORMAL' = 'FULL'): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('busy_timeout = 2000');
  db.pragma('foreign_keys = ON');
  db.pragma('wal_autocheckpoint = 0');
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  return db;
}
