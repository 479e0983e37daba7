import type { Command } from 'commander';
import { loadConfig, sqlitePath } from '../../config/load.js';
import { WahookError } from '../../errors.js';
import { describeTarget } from '../../store/postgres/connection.js';
import { migratePostgresDatabase } from '../../store/postgres/migrate.js';
import { loadMigrations } from '../../store/shared/migrations.js';
import { openSqlite } from '../../store/sqlite/connection.js';
import { migrateSqlite } from '../../store/sqlite/migrate.js';
import { type CliContext, print } from '../context.js';

interface MigrationReport {
  target: string;
  applied: { version: number; name: string }[];
  version: number;
}

export function registerMigrate(program: Command, ctx: CliContext): void {
  program
    .command('migrate')
    .description(
      'Apply pending database migrations to WAHOOK_DATABASE_URL and list what was applied. `serve` applies them at start too; run this first to upgrade a shared PostgreSQL database in one step.',
    )
    .action(async () => {
      const config = loadConfig(ctx.env);
      const report = await migrateDatabase(config.databaseUrl);
      if (report.applied.length === 0) {
        print(ctx.stdout, `nothing to apply: ${report.target} is at schema version ${report.version}`);
      } else {
        print(ctx.stdout, `applied ${report.applied.length} migration(s) to ${report.target}:`);
        for (const migration of report.applied) print(ctx.stdout, `  ${migrationName(migration)}`);
        print(ctx.stdout, `schema version is now ${report.version}`);
      }
      ctx.exitCode = 0;
    });
}

/** The same migration functions the stores run when they open, reporting what they applied. */
async function migrateDatabase(databaseUrl: string): Promise<MigrationReport> {
  if (!databaseUrl.startsWith('sqlite:')) {
    const { applied, version } = await migratePostgresDatabase(databaseUrl);
    return { target: `PostgreSQL at ${describeTarget(databaseUrl)}`, applied, version };
  }
  const path = sqlitePath(databaseUrl);
  let db: ReturnType<typeof openSqlite>;
  try {
    db = openSqlite(path);
  } catch (err) {
    throw new WahookError(
      'store_unavailable',
      `cannot open the SQLite database ${path}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  try {
    const before = appliedVersions(db);
    try {
      migrateSqlite(db);
    } catch (err) {
      // A refusal is already a WahookError that names its fix; anything else is a failed migration.
      if (err instanceof WahookError) throw err;
      throw new WahookError('store_migration_failed', `migrating ${path} failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const after = appliedVersions(db);
    const applied = loadMigrations('sqlite').filter((m) => after.has(m.version) && !before.has(m.version));
    return { target: `SQLite at ${path}`, applied, version: Math.max(0, ...after) };
  } finally {
    db.close();
  }
}

function appliedVersions(db: ReturnType<typeof openSqlite>): Set<number> {
  const exists = db
    .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`)
    .get();
  if (!exists) return new Set();
  const rows = db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[];
  return new Set(rows.map((row) => row.version));
}

function migrationName(migration: { version: number; name: string }): string {
  return `${String(migration.version).padStart(3, '0')}_${migration.name}`;
}
