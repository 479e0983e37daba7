import type Database from 'better-sqlite3';
import { loadMigrations, refuseNewerSchema } from '../shared/migrations.js';

/**
 * Applies pending migrations. BEGIN IMMEDIATE takes SQLite's write lock before reading the applied
 * versions, so two processes starting on the same file apply each migration once.
 */
export function migrateSqlite(db: Database.Database): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  let applied = 0;
  const migrations = loadMigrations('sqlite');
  for (const migration of migrations) {
    db.exec('BEGIN IMMEDIATE');
    try {
      // Under the write lock, so a newer version migrating the file at the same moment is seen.
      const versions = db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[];
      refuseNewerSchema(migrations, versions, `SQLite at ${db.name}`);
      const done = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(migration.version);
      if (!done) {
        db.exec(migration.sql);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          migration.version,
          migration.name,
          Date.now(),
        );
        applied += 1;
      }
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }
  return applied;
}
