import { execFile } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bus } from '../../../../src/observe/bus.js';
import { createMetrics } from '../../../../src/observe/metrics.js';
import { createSqliteStore, type SqliteStore } from '../../../../src/store/sqlite/store.js';
import { createTempDir, type TempDir } from '../../../helpers/tmp.js';
import { waitFor } from '../../../helpers/wait.js';

const run = promisify(execFile);
const STORE_MODULE = fileURLToPath(new URL('../../../../dist/store/sqlite/store.js', import.meta.url));

async function writeEvents(store: SqliteStore, from: number, count: number): Promise<void> {
  await store.withProcessingTx(async (tx) => {
    await tx.insertEvents(
      Array.from({ length: count }, (_, n) => ({
        id: `evt_checkpoint_${from + n}`,
        type: 'message.status',
        schemaVersion: 1,
        createdAt: 1,
        orderingKey: `wamid.${from + n}`,
        phoneNumberId: '1',
        data: { padding: 'x'.repeat(2000) },
      })),
    );
  });
}

/**
 * The store's connections never checkpoint on commit (that copy and its fsync used to run inside
 * the processing transaction, on the event loop); the checkpoint thread must keep up instead.
 */
describe('SQLite checkpoint thread', () => {
  let dir: TempDir;
  let store: SqliteStore;
  beforeEach(async () => {
    dir = await createTempDir();
    store = await createSqliteStore(join(dir.path, 'c.db'));
  });
  afterEach(async () => {
    await store.close();
    await dir.remove();
  });

  it('cuts the WAL to zero once writes stop past a quarter of its limit', async () => {
    await store.close();
    // 100 events of 2 KB are about 300 KB of frames: past a quarter of 1 MiB in one commit, then
    // nothing more, so the WAL starts over only if the calm is seen.
    store = await createSqliteStore(join(dir.path, 'c.db'), { walLimitBytes: 1024 * 1024 });
    await writeEvents(store, 0, 100);
    const wal = join(dir.path, 'c.db-wal');
    await waitFor(() => statSync(wal).size === 0, 'the WAL to be cut to zero after the writes stopped');
  });

  it('copies committed pages into the database file while no connection checkpoints on commit', async () => {
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const file = join(dir.path, 'c.db');
    const before = statSync(file).size;
    for (let batch = 0; batch < 10; batch++) await writeEvents(store, batch * 100, 100);

    await waitFor(() => statSync(file).size > before + 1_000_000, 'the WAL to grow by 1 MB');
    const reader = new Database(file, { readonly: true });
    try {
      expect(reader.prepare('SELECT COUNT(*) AS n FROM events').get()).toEqual({ n: 1000 });
    } finally {
      reader.close();
    }
  });

  it('reports the pages a lingering reader holds back, and their drain once it lets go', async () => {
    const registry = createMetrics(new Bus(), store);
    const backlog = async () => {
      const text = await registry.getSingleMetricAsString('wahook_sqlite_wal_backlog_pages');
      return Number(/^wahook_sqlite_wal_backlog_pages (\d+)$/m.exec(text)?.[1]);
    };
    // Another program with the file open in a read transaction: its snapshot pins the WAL.
    const reader = new Database(join(dir.path, 'c.db'), { readonly: true });
    try {
      reader.exec('BEGIN');
      reader.prepare('SELECT COUNT(*) FROM events').get();
      for (let batch = 0; batch < 5; batch++) await writeEvents(store, batch * 100, 100);
      await waitFor(async () => (await backlog()) > 100, 'a WAL backlog over 100 pages');
      expect(await backlog()).toBeGreaterThan(100);
      reader.exec('COMMIT');
      await waitFor(async () => (await backlog()) === 0, 'the checkpoint to clear the backlog');
    } finally {
      reader.close();
    }
  });

  it('starts the thread again when it dies', async () => {
    const checkpointer = store.checkpointer!;
    // Reaching in is the only way to kill the thread from outside, as a crash would.
    const first = (checkpointer as unknown as { worker: Worker }).worker;
    await first.terminate();
    await waitFor(() => {
      const current = (checkpointer as unknown as { worker?: Worker }).worker;
      return current !== undefined && current !== first;
    }, 'a new checkpoint thread');
    // Only the new thread can copy these pages into the file: no connection checkpoints on commit.
    const file = join(dir.path, 'c.db');
    const before = statSync(file).size;
    await writeEvents(store, 0, 200);
    await waitFor(() => statSync(file).size > before + 300_000, 'the WAL to grow by 300 kB');
  });

  it('lets a process that opens and closes a store exit by itself after the close', async () => {
    const script = `
      const { createSqliteStore } = await import(${JSON.stringify(STORE_MODULE)});
      const store = await createSqliteStore(${JSON.stringify(join(dir.path, 'exit.db'))});
      await store.close();
      console.log('closed');
    `;
    const scriptFile = join(dir.path, 'open-and-close.mjs');
    writeFileSync(scriptFile, script);
    const { stdout } = await run(process.execPath, [scriptFile], { timeout: 20_000 });
    expect(stdout.trim()).toBe('closed');
  });
});
