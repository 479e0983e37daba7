import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WahookError } from '../../errors.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Numbered migrations live as plain SQL files, one folder per dialect: `sql/<dialect>/NNN_name.sql`.
 * The folder sits at the package root, which is three levels above both src/store/shared and
 * dist/store/shared, so the same lookup works from source and from the build.
 */
export function loadMigrations(dialect: 'sqlite' | 'postgres'): Migration[] {
  const dir = fileURLToPath(new URL(`../../../sql/${dialect}/`, import.meta.url));
  return readdirSync(dir)
    .filter((file) => /^\d{3}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 3)),
      name: file.slice(4, -4),
      sql: readFileSync(`${dir}${file}`, 'utf8'),
    }));
}

/**
 * Refuses a database that a newer wahook migrated: an older version cannot read what a newer one
 * writes (a migration may move columns, a release may change how records are stored), and running
 * it anyway would fail batch after batch or answer wrong records.
 */
export function refuseNewerSchema(
  migrations: readonly Migration[],
  applied: Iterable<number>,
  where: string,
): void {
  const known = Math.max(0, ...migrations.map((migration) => migration.version));
  const newest = Math.max(0, ...applied);
  if (newest <= known) return;
  throw new WahookError(
    'store_migration_failed',
    `${where} is at schema version ${newest}, newer than this wahook knows (${known}): a newer version migrated it`,
    {
      hint: 'Run the newer wahook version against this database. To go back to this version, restore the backup taken before the upgrade.',
    },
  );
}
