import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, test } from 'vitest';
import { createSqliteStore } from '../../src/store/sqlite/store.js';
import { alertExpression, alertFires, parseScrape } from '../helpers/alert-expr.js';
import { forEachConcurrently } from '../helpers/cluster.js';
import {
  postSigned,
  startPipelineServer,
  statusWebhook,
  testWamid,
  waitUntilSettled,
} from '../helpers/pipeline.js';
import { httpRequest, type TestServer } from '../helpers/server.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The WAL stays under WAHOOK_SQLITE_WAL_LIMIT while the receiver and the worker both commit, and
 * during a backlog drain; it is cut back once traffic calms; and only a reader holding an old
 * snapshot keeps it larger, which is what WahookSqliteWalNotCheckpointed reports. Sizes, not times.
 */
// Well above what one processing transaction writes (a batch of 200 status rows adds up to about
// 12 MB of frames at once, which no checkpoint can cut in the middle), as the default 256 MiB is;
// unbounded growth over these tests' 4,000 and 6,000 webhooks is several times this.
const LIMIT = 32 * 1024 * 1024;

let server: TestServer | undefined;
let dir: TempDir | undefined;
afterEach(async () => {
  await server?.cleanup();
  await dir?.remove();
  server = undefined;
  dir = undefined;
});

function walSize(dbPath: string): number {
  try {
    return statSync(`${dbPath}-wal`).size;
  } catch {
    return 0;
  }
}

/** Samples the WAL file size every few milliseconds until stopped; answers the largest seen. */
function sampleWal(dbPath: string): () => number {
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, walSize(dbPath));
  }, 5);
  return () => {
    clearInterval(timer);
    return Math.max(peak, walSize(dbPath));
  };
}

function bodies(prefix: string, count: number): Buffer[] {
  return Array.from({ length: count }, (_, n) =>
    statusWebhook([{ wamid: testWamid(prefix, n), status: 'sent', timestamp: 1767262000 + n }]),
  );
}

async function scrape(url: string): Promise<Map<string, number>> {
  return parseScrape((await httpRequest(`${url}/metrics`)).text());
}

test('keeps the WAL under its limit under sustained traffic and cuts it back once traffic calms', async () => {
  server = await startPipelineServer({ env: { WAHOOK_SQLITE_WAL_LIMIT: String(LIMIT) } });
  const posts = bodies('sustained', 4000);
  const stop = sampleWal(server.dbPath);
  await forEachConcurrently(posts, 32, (body) => postSigned(server!.url, body));
  await waitUntilSettled(server.url, posts.length, 60_000);
  const peak = stop();
  expect(peak).toBeGreaterThan(0);
  expect(peak).toBeLessThanOrEqual(LIMIT);
  await waitFor(() => walSize(server!.dbPath) === 0, 'the WAL to be cut back after traffic calmed');
});

test('keeps the WAL under its limit while a backlog drains, and cuts it back afterwards', async () => {
  dir = await createTempDir();
  const dbPath = join(dir.path, 'wahook.db');
  const store = await createSqliteStore(dbPath);
  const backlog = bodies('backlog', 6000);
  await store.appendInboxBatch(
    backlog.map((body) => ({
      receivedAt: Date.now(),
      source: 'meta',
      auth: 'hmac' as const,
      contentType: 'application/json',
      headers: {},
      body,
    })),
  );
  await store.close();
  const stop = sampleWal(dbPath);
  server = await startPipelineServer({ dataDir: dir.path, env: { WAHOOK_SQLITE_WAL_LIMIT: String(LIMIT) } });
  await waitUntilSettled(server.url, backlog.length, 120_000);
  const peak = stop();
  expect(peak).toBeGreaterThan(0);
  // The limit is enforced by checkpoints between commits: a drain's processing transaction can add
  // one batch of frames before the next TRUNCATE gets the lock, so on a loaded machine the peak may
  // pass the limit by part of a batch. Unbounded growth (the old behaviour) is many times the limit.
  expect(peak).toBeLessThanOrEqual(LIMIT * 1.5);
  await waitFor(() => walSize(dbPath) === 0, 'the WAL to be cut back after the drain');
});

test('WahookSqliteWalNotCheckpointed fires while a reader holds the WAL and clears when it lets go', async () => {
  const limit = 1024 * 1024;
  server = await startPipelineServer({ env: { WAHOOK_SQLITE_WAL_LIMIT: String(limit) } });
  const expr = alertExpression('WahookSqliteWalNotCheckpointed');
  await postSigned(server.url, bodies('before', 1)[0]!);
  expect(alertFires(expr, await scrape(server.url))).toBe(false);

  // Another program with the file open in a read transaction: its snapshot pins the WAL.
  const reader = new Database(server.dbPath, { readonly: true });
  try {
    reader.exec('BEGIN');
    reader.prepare('SELECT COUNT(*) FROM inbox_rows').get();
    const posts = bodies('held', 3000);
    let next = 0;
    await waitFor(
      async () => {
        await forEachConcurrently(posts.slice(next, next + 200), 16, (body) => postSigned(server!.url, body));
        next = Math.min(posts.length - 200, next + 200);
        return alertFires(expr, await scrape(server!.url));
      },
      'the alert expression to fire while the reader holds its snapshot',
      60_000,
    );
    expect(walSize(server.dbPath)).toBeGreaterThan(limit);
  } finally {
    reader.exec('COMMIT');
    reader.close();
  }
  await waitFor(
    async () => !alertFires(expr, await scrape(server!.url)) && walSize(server!.dbPath) <= limit,
    'the alert to clear once the reader let go',
    30_000,
  );
});
