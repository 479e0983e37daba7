import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import type { NewSend } from '../../../../src/store/send-ports.js';
import { createSqliteStore, type SqliteStore } from '../../../../src/store/sqlite/store.js';
import { writeTurnsBuffer } from '../../../../src/store/sqlite/write-turns.js';
import { subscriptionInput, T0 } from '../../../store-contract/fixtures.js';

/**
 * The store's writes outside the hot path (admin changes, sends, retention, erasure) on the main
 * thread while another thread holds its write turn and SQLite's lock: each waits for the turn and
 * goes in once it is given back. The store's connection gets busy_timeout 0, so a write that met
 * SQLite's lock instead would fail at once with SQLITE_BUSY rather than sleep in the busy handler.
 */
const holderFile = new URL('../../../fixtures/threads/lock-holder-worker.mjs', import.meta.url);
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const DONE = 0;
const COMMITTED = 1;
const SAW_WAITER = 2;

async function storeWithHolder(options: { untilDone?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'wahook-write-turn-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'wahook.db');
  // Opened first, as the main thread's store is: the holder started after it finds the same cells.
  // No checkpoint thread: its checkpoints take SQLite's lock outside any turn.
  const store: SqliteStore = await createSqliteStore(path, { checkpoint: false });
  cleanups.push(() => store.close());
  store.db.pragma('busy_timeout = 0');
  const signals = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
  const holder = new Worker(holderFile, { workerData: { path, signals: signals.buffer, ...options } });
  cleanups.push(() => holder.terminate().then(() => undefined));
  // However a test ends, the holder commits and lets go.
  cleanups.push(() => {
    Atomics.store(signals, DONE, 1);
  });
  await new Promise((resolve) => holder.once('message', resolve));
  const holding = new Promise((resolve) => holder.once('message', resolve));
  holder.postMessage({ hold: true });
  await holding;
  const turnOwner = () => new Int32Array(writeTurnsBuffer(path))[0];
  expect(turnOwner()).toBe(holder.threadId + 1);
  return { store, signals, holderTurn: holder.threadId + 1, turnOwner };
}

function newSend(id: string): NewSend {
  return {
    id,
    idempotencyKey: null,
    requestHash: 'h1',
    phoneNumberId: '112233445566778',
    input: '+972504370045',
    recipient: '+972504370045',
    recipientKind: 'phone',
    messageType: 'text',
    message: { type: 'text', text: { body: 'hello' } },
    metadata: null,
    createdAt: T0,
  };
}

type StoreCall = (store: SqliteStore) => Promise<unknown>;

/** The write, and a read that finds what it wrote. */
const writes: [string, StoreCall, StoreCall][] = [
  [
    'a subscription created by the admin API',
    (store) => store.createSubscription(subscriptionInput('admin')),
    async (store) => (await store.getSubscription('admin'))?.id,
  ],
  [
    'a send recorded by POST /v1/messages',
    (store) => store.createSend(newSend('send-1')),
    async (store) => (await store.getSend('send-1'))?.state,
  ],
  [
    'a retention batch',
    (store) => store.purgeBatch({ dataClass: 'requests', cutoff: T0, limit: 100, now: T0 }),
    async () => 'purged',
  ],
  [
    'an erasure',
    (store) => store.erasePerson({ kind: 'wa_id', value: '972504370045' }, T0),
    async (store) => (await store.listErasures(10)).length,
  ],
];

describe('a write of the store on the main thread while another thread holds the write lock', () => {
  it.each(writes)('waits for the turn and goes in once it is given back: %s', async (_, write, check) => {
    const { store, signals, turnOwner } = await storeWithHolder();
    try {
      await write(store);
    } finally {
      Atomics.store(signals, DONE, 1);
    }
    // The holder saw this thread waiting for its turn, and committed before the write went in.
    expect(Atomics.load(signals, SAW_WAITER)).toBe(1);
    expect(Atomics.load(signals, COMMITTED)).toBe(1);
    expect(await check(store)).toBeTruthy();
    expect(turnOwner()).toBe(0);
  });

  it('keeps this thread’s event loop running while a write waits for the turn', async () => {
    // The holder lets go only when this thread says so, from a timer: a wait that blocked the
    // event loop would never run it, take the turn after 2 s and then meet SQLite's lock (BUSY).
    const { store, signals } = await storeWithHolder({ untilDone: true });
    let timerRan = false;
    const written = store.createSubscription(subscriptionInput('while-waiting'));
    setTimeout(() => {
      timerRan = true;
      Atomics.store(signals, DONE, 1);
    }, 20);
    await written;
    expect(timerRan).toBe(true);
    expect(Atomics.load(signals, COMMITTED)).toBe(1);
    expect((await store.getSubscription('while-waiting'))?.id).toBe('while-waiting');
  });

  it('reads on its connection without waiting for the turn', async () => {
    const { store, signals, holderTurn, turnOwner } = await storeWithHolder();
    try {
      expect(await store.listSubscriptions()).toEqual([]);
      expect(await store.getSend('none')).toBeUndefined();
      expect(await store.listDeadLetters({ limit: 10 })).toEqual([]);
      // Still the holder's turn, not taken over: none of these asked for it.
      expect(turnOwner()).toBe(holderTurn);
      expect(Atomics.load(signals, COMMITTED)).toBe(0);
    } finally {
      Atomics.store(signals, DONE, 1);
    }
  });
});
