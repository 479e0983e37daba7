import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Opens a connection with the settings every wahook SQLite connection shares. WAL lets readers
 * run beside the one writer; synchronous=FULL makes every commit fsync the WAL, which is what
 * lets the receiver answer 200 only for bytes that survive a power cut.
 */
export function openSqlite(path: string): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 2000');
  db.pragma('foreign_keys = ON');
  return db;
}
