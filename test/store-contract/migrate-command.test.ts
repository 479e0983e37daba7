import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerMigrate } from '../../src/cli/commands/migrate.js';
import type { CliContext } from '../../src/cli/context.js';
import { WahookError } from '../../src/errors.js';
import { describeTarget } from '../../src/store/postgres/connection.js';
import { createPostgresStore } from '../../src/store/postgres/store.js';
import { openSqlite } from '../../src/store/sqlite/connection.js';
import { createSqliteStore } from '../../src/store/sqlite/store.js';
import { describePostgres, TEST_DATABASE_URL, TestSchemas } from '../helpers/postgres.js';

/** `wahook migrate`, run in-process the way main.ts runs it, against both stores. */
async function runMigrate(databaseUrl: string): Promise<{ exitCode: number; stdout: string }> {
  const stdout = new PassThrough();
  let printed = '';
  stdout.on('data', (chunk: Buffer) => {
    printed += chunk.toString('utf8');
  });
  const ctx: CliContext = {
    env: { WAHOOK_DATABASE_URL: databaseUrl },
    stdout,
    stderr: new PassThrough(),
    exitCode: 0,
    stopSignal: new Promise<string>(() => undefined),
  };
  const program = new Command('wahook').exitOverride();
  registerMigrate(program, ctx);
  await program.parseAsync(['migrate'], { from: 'user' });
  return { exitCode: ctx.exitCode, stdout: printed };
}

describe('wahook migrate on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wahook-migrate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the migrations it applied, then reports nothing to do', async () => {
    const url = `sqlite:${join(dir, 'wahook.db')}`;
    const first = await runMigrate(url);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toMatch(
      /applied \d+ migration\(s\) to SQLite at .*wahook\.db:\n {2}001_inbox\n {2}002_events_messages\n/,
    );
    const second = await runMigrate(url);
    expect(second.stdout).toMatch(/^nothing to apply: SQLite at .*wahook\.db is at schema version \d+\n$/);
  });

  it('refuses a database a newer version migrated, in the command and at start', async () => {
    const path = join(dir, 'newer.db');
    await runMigrate(`sqlite:${path}`);
    const db = openSqlite(path);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ?, 0)').run('future');
    db.close();
    const failure = await runMigrate(`sqlite:${path}`).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WahookError);
    expect((failure as WahookError).message).toMatch(
      /^SQLite at .*newer\.db is at schema version 999, newer than this wahook knows \(\d+\)/,
    );
    expect((failure as WahookError).hint).toMatch(/^Run the newer wahook version/);
    expect((failure as WahookError).exitCode).toBe(1);
    await expect(createSqliteStore(path)).rejects.toThrow(/schema version 999, newer than this wahook knows/);
  });
});

describePostgres('wahook migrate on PostgreSQL', () => {
  const schemas = new TestSchemas('migrate');
  let url: string;
  let passed = 0;
  beforeAll(async () => {
    url = (await schemas.create()).url;
  });
  afterAll(() => schemas.finish(passed < 3));

  it('lists the migrations it applied, then reports nothing to do', async () => {
    const first = await runMigrate(url);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain(
      `to PostgreSQL at ${describeTarget(TEST_DATABASE_URL)}:\n  001_inbox\n  002_events_messages\n`,
    );
    const second = await runMigrate(url);
    expect(second.stdout).toMatch(/^nothing to apply: PostgreSQL at .* is at schema version \d+\n$/);
    passed += 1;
  });

  it('fails with exit code 1 and names the database when it cannot be reached', async () => {
    const failure = await runMigrate('postgres://wahook:pw@127.0.0.1:1/wahook').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WahookError);
    expect((failure as WahookError).exitCode).toBe(1);
    expect((failure as WahookError).message).toMatch(/^cannot reach PostgreSQL at 127\.0\.0\.1:1\/wahook: /);
    expect((failure as WahookError).hint).toMatch(/PostgreSQL is running/);
    passed += 1;
  });

  it('refuses a schema a newer version migrated, in the command and at start', async () => {
    const newer = (await schemas.create()).url;
    await runMigrate(newer);
    const store = await createPostgresStore(newer);
    await store.pool.query(
      `INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)`,
    );
    await store.close();
    const failure = await runMigrate(newer).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WahookError);
    expect((failure as WahookError).message).toMatch(
      /^PostgreSQL schema wahook_test_migrate_\w+ is at schema version 999, newer than this wahook knows/,
    );
    await expect(createPostgresStore(newer)).rejects.toThrow(
      /schema version 999, newer than this wahook knows/,
    );
    passed += 1;
  });
});
