import { resolve } from 'node:path';
import { getEnvironmentData, setEnvironmentData, threadId } from 'node:worker_threads';

/**
 * Turns at SQLite's write lock for the threads of one process, kept in shared memory so that a
 * thread waiting for its turn wakes the moment the holder lets go, and the inbox writer, whose
 * commits hold webhooks' 200s, goes first. Every write takes one: the inbox writer's, and every
 * write of the store on its own connection (connection-lock.ts), from processing and the delivery
 * loop to an admin change, a send, a retention batch or an erasure on the receiver's thread.
 *
 * Without it each thread met the lock inside SQLite, whose busy handler sleeps 1, 2, 5, 10, 15,
 * 20, 25… ms between tries whatever the holder does: a writer that found the lock taken twice slept
 * 3 ms for a commit that had ended after 0.2, and its thread's event loop stood still meanwhile.
 *
 * The turns are advisory: SQLite's own lock still guards every write (and another process on the
 * same file knows nothing of these cells). A thread that has waited `giveUpMs` behind the same
 * holder takes the turn from it; the wait starts again whenever the turn changes hands, so a
 * slow lock is never taken from a live holder that just got it. The thread that starts a thread
 * also clears that thread's cells when it exits (`releaseTurnsOf`), so one that died mid-turn or
 * mid-wait holds nobody up. Correctness never rests on the turns; only the waiting does.
 *
 * One thread holds its turn across the awaits of a transaction (`holdAsync`), so every caller on a
 * thread must serialize its transactions on that thread as the store does (connection-lock.ts): a
 * turn is the thread's, and a second caller in the same thread would run inside the first one's
 * turn. A turn lasts one transaction: a long job (a retention run, an erasure) takes one per
 * batch, so the inbox writer waits for one batch at most.
 */
const OWNER = 0;
/** The first-in-line writer that is waiting (thread id + 1), 0 when none: there is one, the inbox writer. */
const FIRST_WAITING = 1;
/** While a first-in-line writer waits, others look again this often for a free lock. */
const YIELD_MS = 1;
const GIVE_UP_MS = 2_000;

/**
 * The shared cells of one database file, the holder's thread and the waiting first-in-line
 * writer's: made by the first store that opens the file in this process and handed to every
 * thread started after it (worker_threads environment data, where a SharedArrayBuffer stays
 * shared), so the stores of the background threads and the inbox writer find the same cells.
 */
export function writeTurnsBuffer(path: string): SharedArrayBuffer {
  const key = `wahook.sqlite.write-turns:${resolve(path)}`;
  const found = getEnvironmentData(key);
  if (found instanceof SharedArrayBuffer) return found;
  const buffer = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  setEnvironmentData(key, buffer);
  return buffer;
}

/** After a thread exited: whatever turn it held or waited for is free again, and waiters wake. */
export function releaseTurnsOf(buffer: SharedArrayBuffer, exitedThreadId: number): void {
  const cells = new Int32Array(buffer);
  const id = exitedThreadId + 1;
  Atomics.compareExchange(cells, FIRST_WAITING, id, 0);
  if (Atomics.compareExchange(cells, OWNER, id, 0) === id) Atomics.notify(cells, OWNER);
}

export interface WriteTurnsOptions {
  /** Goes before writers that are not first-in-line when both wait (the inbox writer). */
  first?: boolean;
  giveUpMs?: number;
}

export class WriteTurns {
  private readonly cells: Int32Array;
  /** Thread ids start at 0 on the main thread; 0 marks a free lock, so every holder is id + 1. */
  private readonly me = threadId + 1;
  private readonly first: boolean;
  private readonly giveUpMs: number;

  constructor(buffer: SharedArrayBuffer, options: WriteTurnsOptions = {}) {
    this.cells = new Int32Array(buffer);
    this.first = options.first ?? false;
    this.giveUpMs = options.giveUpMs ?? GIVE_UP_MS;
  }

  /** Runs synchronous `work` in this thread's turn. */
  hold<T>(work: () => T): T {
    const took = this.take();
    try {
      return work();
    } finally {
      if (took) this.release();
    }
  }

  /** Runs `work` in this thread's turn, held until it settles (a transaction that awaits inside). */
  async holdAsync<T>(work: () => Promise<T>): Promise<T> {
    const took = this.take();
    try {
      return await work();
    } finally {
      if (took) this.release();
    }
  }

  /** True when this call took the turn (and must give it back); false when this thread holds it already. */
  private take(): boolean {
    const { cells, me } = this;
    if (Atomics.load(cells, OWNER) === me) return false;
    if (this.first) Atomics.store(cells, FIRST_WAITING, me);
    try {
      let holder = Atomics.load(cells, OWNER);
      let deadline = performance.now() + this.giveUpMs;
      for (;;) {
        const owner = Atomics.load(cells, OWNER);
        if (owner !== holder) {
          holder = owner;
          deadline = performance.now() + this.giveUpMs;
        }
        const left = deadline - performance.now();
        if (owner === 0) {
          const mayTake = this.first || left <= 0 || Atomics.load(cells, FIRST_WAITING) === 0;
          if (mayTake && Atomics.compareExchange(cells, OWNER, 0, me) === 0) return true;
        } else if (left <= 0 && Atomics.compareExchange(cells, OWNER, owner, me) === owner) return true;
        if (left <= 0) continue;
        // Sleeps until the holder lets go (notify), or briefly when the lock is free but a
        // first-in-line writer is about to take it.
        Atomics.wait(cells, OWNER, owner, owner === 0 ? Math.min(left, YIELD_MS) : left);
      }
    } finally {
      if (this.first) Atomics.compareExchange(cells, FIRST_WAITING, me, 0);
    }
  }

  private release(): void {
    if (Atomics.compareExchange(this.cells, OWNER, this.me, 0) === this.me) Atomics.notify(this.cells, OWNER);
  }
}
