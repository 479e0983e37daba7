import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
