import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { postWebhook } from '../helpers/cluster.js';
import { startPipelineServer, statusWebhook, testWamid, waitUntilSettled } from '../helpers/pipeline.js';
import { httpRequest, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

/**
 * A full disk on a real filesystem: the data folder is a 64 MiB tmpfs, filled by a file until it
 * takes no more bytes. While full only 503s; /readyz 503; once the file is removed, with traffic
 * still arriving, wahook recovers without a restart and every webhook that got 200 is processed.
 * The log stays small: the failure is told as a state change, not one line per refused request.
 * Mounting needs root: where it is impossible the test fails under CI=true instead of skipping.
 */
let mountPoint = '';
let mounted = false;
let server: TestServer | undefined;

beforeAll(() => {
  mountPoint = mkdtempSync(join(tmpdir(), 'wahook-diskfull-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mountPoint], { stdio: 'pipe' });
    mounted = true;
  } catch (err) {
    if (process.env.CI === 'true') throw err;
  }
});

afterAll(async () => {
  await server?.stop();
  if (mounted) execFileSync('umount', [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

/** Writes zeros into `path` until the filesystem refuses (ENOSPC). */
function fillDisk(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(1024 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

test('answers only 503 while the disk is full and recovers by itself, processing every 200', async (context) => {
  if (!mounted) context.skip();
  const logLines: { level: number; event?: string }[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) logLines.push(JSON.parse(line));
      done();
    },
  });
  server = await startPipelineServer({
    logger: pino({ level: 'info' }, logStream),
    dataDir: mountPoint,
    env: { WAHOOK_DISK_RESERVE: '8MiB', WAHOOK_SQLITE_WAL_LIMIT: '8MiB' },
  });
  const url = server.url;
  let n = 0;
  const accepted = new Set<number>();
  const post = async () => {
    const index = n++;
    const outcome = await postWebhook(
      url,
      statusWebhook([{ wamid: testWamid('full', index), status: 'sent', timestamp: 1767262000 + index }]),
    );
    if ('status' in outcome && outcome.status === 200) accepted.add(index);
    return outcome;
  };
  for (let i = 0; i < 50; i++) await post();
  expect(accepted.size).toBe(50);

  const filler = join(mountPoint, 'filler');
  fillDisk(filler);
  await waitFor(
    async () => (await httpRequest(`${url}/readyz`)).status === 503,
    '/readyz to fail on a full disk',
  );
  const whileFull: number[] = [];
  for (let i = 0; i < 50; i++) {
    const outcome = await post();
    whileFull.push('status' in outcome ? outcome.status : 0);
  }
  expect(new Set(whileFull)).toEqual(new Set([503]));
  expect((await httpRequest(`${url}/readyz`)).status).toBe(503);

  unlinkSync(filler);
  // Traffic continues while space returns; recovery needs no restart.
  await waitFor(
    async () => {
      const outcome = await post();
      return 'status' in outcome && outcome.status === 200;
    },
    'webhooks to be accepted again after space returned',
    30_000,
  );
  for (let i = 0; i < 50; i++) await post();
  expect((await httpRequest(`${url}/readyz`)).status).toBe(200);
  const counts = await waitUntilSettled(url, accepted.size, 30_000);
  expect(counts.processed + counts.quarantined).toBe(accepted.size);
  expect(counts.quarantined).toBe(0);
  // Over 50 refused webhooks, the readiness probes and the worker's retries every poll: a handful of
  // lines (each failing part starts and recovers), never one per request.
  const loud = logLines.filter((line) => line.level >= 40);
  expect(loud.length).toBeGreaterThan(0);
  expect(loud.length).toBeLessThan(20);
  expect(loud.map((line) => line.event)).toContain('webhook.store.failing');
  expect(loud.map((line) => line.event)).toContain('webhook.store.recovered');
});
