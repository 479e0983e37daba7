import { resolve } from 'node:path';
import { getEnvironmentData, setEnvironmentData, threadId } from 'node:worker_threads';

/**
 * Turns at SQLite's write lock for the threads of one process (the inbox writer, processing, the
 * delivery loop), kept in shared memory so that a thread waiting for its turn wakes the moment the
 * holder lets go, and the inbox writer, whose commits hold webhooks' 200s, goes first.
 *
 * Without it each thread met the lock inside SQLite, whose busy handler sleeps 1, 2, 5, 10, 15,
 * 20, 25… ms between tries whatever the holder does: a writer that found the lock taken twice slept
 * 3 ms for a commit that had ended after 0.2, and its thread's event loop stood still meanwhile.
 *
 * The turns are advisory: SQLite's own lock still guards every write (and another process on the
 * same file knows nothing of these cells), so a thread that waited longer than `giveUpMs` for a
 * holder takes the turn from it and goes ahead: a thread stopped mid-turn cannot hold the others
 * up for longer than that, once. Correctness never rests on the turns; only the waiting does.
 */
const OWNER = 0;
const FIRST_WAITING = 1;
/** While a first-in-line writer waits, others look again this often for a free lock. */
const YIELD_MS = 1;
const GIVE_UP_MS = 2_000;

/**
 * The shared cells of one database file, the holder's thread (0 = free) and how many first-in-line
 * writers wait: made by the first store that opens the file in this process and handed to every
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
    const deadline = performance.now() + this.giveUpMs;
    if (this.first) Atomics.add(cells, FIRST_WAITING, 1);
    try {
      for (;;) {
        const owner = Atomics.load(cells, OWNER);
        const late = performance.now() >= deadline;
        if (owner === 0) {
          // A late thread no longer lets a first-in-line writer go ahead: one stopped while waiting
          // would otherwise leave its count behind for good.
          const mayTake = this.first || late || Atomics.load(cells, FIRST_WAITING) === 0;
          if (mayTake && Atomics.compareExchange(cells, OWNER, 0, me) === 0) return true;
        } else if (late && Atomics.compareExchange(cells, OWNER, owner, me) === owner) return true;
        if (late) continue;
        // Sleeps until the holder lets go (notify), or briefly when the lock is free but a
        // first-in-line writer is about to take it.
        const left = Math.max(0, deadline - performance.now());
        Atomics.wait(cells, OWNER, owner, owner === 0 ? Math.min(left, YIELD_MS) : left);
      }
    } finally {
      if (this.first) Atomics.sub(cells, FIRST_WAITING, 1);
    }
  }

  private release(): void {
    if (Atomics.compareExchange(this.cells, OWNER, this.me, 0) === this.me) Atomics.notify(this.cells, OWNER);
  }
}
