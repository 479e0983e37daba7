import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../../../src/store/sqlite/store.js';
import { writeTurnsBuffer } from '../../../../src/store/sqlite/write-turns.js';
import { newEvent } from '../../../store-contract/fixtures.js';

/**
 * Store.threadExited after a real thread crashed holding its write turn (the background stage and
 * the inbox writer call it from the dead thread's exit): the turn is free at once, so the next
 * write does not wait out the 2 s after which write-turns.ts takes a turn over from its holder.
 */
const crashWorker = new URL('../../../fixtures/threads/store-crash-worker.mjs', import.meta.url);
const turnsWorker = new URL('../../../fixtures/threads/write-turns-worker.mjs', import.meta.url);
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('a thread that crashed holding its write turn', () => {
  it('holds up no write once the store is told it exited', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wahook-thread-exited-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'wahook.db');
    // Opened first, as the main thread's store is: threads started after it find the same cells.
    const store = await createSqliteStore(path);
    cleanups.push(() => store.close());
    const cells = new Int32Array(writeTurnsBuffer(path));

    const thread = new Worker(crashWorker, { workerData: { databaseUrl: `sqlite:${path}` } });
    const { threadId } = thread;
    const errors: string[] = [];
    thread.on('error', (error) => errors.push(error.message));
    const holding = new Promise((resolve) => thread.once('message', resolve));
    const exited = new Promise<number>((resolve) => thread.once('exit', resolve));
    await holding;
    expect(await exited).toBe(1);
    expect(errors).toEqual(['crashed inside a transaction']);
    // It died in its turn: left alone, every write would first wait the take-over out.
    expect(cells[0]).toBe(threadId + 1);

    store.threadExited(threadId);
    expect(cells[0]).toBe(0);
    expect(await store.withProcessingTx((tx) => tx.insertEvents([newEvent('after-the-crash')]))).toHaveLength(
      1,
    );
    expect((await store.listEvents({ afterSeq: 0, limit: 10 })).map((event) => event.id)).toEqual([
      'after-the-crash',
    ]);

    // A writer with a budget no test waits out gets its turn too: it was let go, not taken over.
    const next = new Worker(turnsWorker, {
      workerData: { buffer: writeTurnsBuffer(path), log: new SharedArrayBuffer(8) },
    });
    cleanups.push(() => next.terminate().then(() => undefined));
    const report = new Promise<{ inside?: number }>((resolve) =>
      next.on('message', (message: { ready?: boolean; inside?: number }) => {
        if (message.ready) next.postMessage({ hold: 1, tag: 'next', giveUpMs: 600_000 });
        else resolve(message);
      }),
    );
    expect((await report).inside).toBe(1);
  });
});
