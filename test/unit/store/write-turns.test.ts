import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { releaseTurnsOf, WriteTurns, writeTurnsBuffer } from '../../../src/store/sqlite/write-turns.js';

/**
 * Turns at SQLite's write lock between real threads of one process (write-turns.ts): one holder at
 * a time, the first-in-line writer (the inbox) ahead of the others, and no thread stuck behind a
 * holder that died.
 */
const workerFile = new URL('../../fixtures/threads/write-turns-worker.mjs', import.meta.url);
const threads: Worker[] = [];
afterEach(async () => {
  await Promise.all(threads.splice(0).map((thread) => thread.terminate()));
});

interface Report {
  tag: string;
  inside?: number;
  order?: number;
  took?: boolean;
  waitedMs?: number;
}

async function startThreads(count: number, buffer = new SharedArrayBuffer(8)) {
  const log = new SharedArrayBuffer(8);
  const started = Array.from({ length: count }, () => {
    const thread = new Worker(workerFile, { workerData: { buffer, log } });
    threads.push(thread);
    const reports: Report[] = [];
    thread.on('message', (message: Report & { ready?: boolean }) => {
      if (!message.ready) reports.push(message);
    });
    const ready = new Promise<void>((resolve) =>
      thread.on('message', (message) => message.ready && resolve()),
    );
    return { thread, reports, ready };
  });
  await Promise.all(started.map((entry) => entry.ready));
  return { buffer, threads: started };
}

const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('write turns', () => {
  it('lets one thread at a time hold a turn', async () => {
    const { threads: started } = await startThreads(3);
    for (const [n, { thread }] of started.entries())
      for (let i = 0; i < 20; i++) thread.postMessage({ hold: 1, tag: `${n}-${i}` });
    await until(() => started.every(({ reports }) => reports.length === 20), 'every turn');
    const inside = started.flatMap(({ reports }) => reports.map((report) => report.inside));
    expect(inside).toHaveLength(60);
    expect(new Set(inside)).toEqual(new Set([1]));
  });

  it('gives the next turn to a first-in-line writer before a writer that asked earlier', async () => {
    const { threads: started } = await startThreads(3);
    const [holder, other, first] = started as [(typeof started)[0], (typeof started)[0], (typeof started)[0]];
    holder.thread.postMessage({ hold: 600, tag: 'holder' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    other.thread.postMessage({ hold: 1, tag: 'other' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    first.thread.postMessage({ hold: 1, tag: 'first', first: true });
    await until(() => started.every(({ reports }) => reports.length === 1), 'three turns');
    expect(holder.reports[0]?.order).toBe(0);
    expect(first.reports[0]?.order).toBe(1);
    expect(other.reports[0]?.order).toBe(2);
  });

  it('does not leave the others waiting for ever behind a holder that died', async () => {
    const { threads: started } = await startThreads(2);
    const [dying, next] = started as [(typeof started)[0], (typeof started)[0]];
    dying.thread.postMessage({ die: true, tag: 'dying' });
    await until(() => dying.reports.length === 1, 'the dying thread to take its turn');
    next.thread.postMessage({ hold: 1, tag: 'next', giveUpMs: 200 });
    await until(() => next.reports.length === 1, 'the next writer, past the dead holder');
    expect(next.reports[0]?.inside).toBe(1);
    // The dead thread never gave its turn back: the next writer took it once its wait ran out.
    expect(next.reports[0]?.waitedMs).toBeGreaterThanOrEqual(190);
  });

  it('frees the turn of a thread that exited holding it, once its starter says so', async () => {
    const { buffer, threads: started } = await startThreads(2);
    const [dying, next] = started as [(typeof started)[0], (typeof started)[0]];
    const { threadId } = dying.thread;
    const exited = new Promise((resolve) => dying.thread.once('exit', resolve));
    dying.thread.postMessage({ die: true, tag: 'dying' });
    await exited;
    expect(new Int32Array(buffer)[0]).toBe(threadId + 1);
    releaseTurnsOf(buffer, threadId);
    // A budget no test waits out: the turn is free because it was let go, not taken over.
    next.thread.postMessage({ hold: 1, tag: 'next', giveUpMs: 600_000 });
    await until(() => next.reports.length === 1, 'the next writer');
    expect(new Int32Array(buffer)[0]).toBe(0);
  });

  it('lets a thread that holds its turn write again inside it, and gives the turn back after', async () => {
    const buffer = new SharedArrayBuffer(8);
    const turns = new WriteTurns(buffer);
    expect(turns.hold(() => turns.hold(() => 'nested'))).toBe('nested');
    expect(await turns.holdAsync(async () => turns.hold(() => 'nested'))).toBe('nested');
    expect(new Int32Array(buffer)[0]).toBe(0);
    const { threads: started } = await startThreads(1, buffer);
    started[0]?.thread.postMessage({ hold: 1, tag: 'after', giveUpMs: 60_000 });
    await until(() => started[0]?.reports.length === 1, 'a turn in another thread');
  });

  it('hands the cells of a file to threads started after the first store opened it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wahook-turns-'));
    try {
      const path = join(dir, 'wahook.db');
      const cells = new Int32Array(writeTurnsBuffer(path));
      const thread = new Worker(
        `const { getEnvironmentData } = require('node:worker_threads');
         const { resolve } = require('node:path');
         const found = getEnvironmentData('wahook.sqlite.write-turns:' + resolve(${JSON.stringify(path)}));
         Atomics.store(new Int32Array(found), 1, 7);`,
        { eval: true },
      );
      threads.push(thread);
      await new Promise((resolve) => thread.once('exit', resolve));
      expect(cells[1]).toBe(7);
      expect(writeTurnsBuffer(path)).toBe(writeTurnsBuffer(join(dir, '.', 'wahook.db')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
