import { resolve } from 'node:path';
import { getEnvironmentData, isMainThread, setEnvironmentData, threadId } from 'node:worker_threads';

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

/** Atomics.waitAsync (Node.js 16 on), which this TypeScript target's lib does not declare yet. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      cells: Int32Array,
      index: number,
      value: number,
      ms: number,
    ): { value: Promise<string> | string };
  }
).waitAsync;

/** A wait for the turn: the holder it waits behind, and when it may take the turn from it. */
interface TurnWait {
  holder: number;
  deadline: number;
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

  /**
   * Runs `work` in this thread's turn, held until it settles (a transaction that awaits inside).
   * On the main thread the wait for the turn is asynchronous: its event loop is the receiver's,
   * and an admin write, a send or an erasure waiting behind a processing batch must not hold the
   * webhooks' 200s meanwhile. Background threads wait synchronously, which wakes them sooner and
   * costs them nothing: they have nothing else to do until they write.
   */
  async holdAsync<T>(work: () => Promise<T>): Promise<T> {
    const took = isMainThread ? await this.takeAsync() : this.take();
    try {
      return await work();
    } finally {
      if (took) this.release();
    }
  }

  /** True when this call took the turn (and must give it back); false when this thread holds it already. */
  private take(): boolean {
    if (Atomics.load(this.cells, OWNER) === this.me) return false;
    const wait = this.enter();
    try {
      for (;;) {
        const next = this.look(wait);
        if (next === true) return true;
        Atomics.wait(this.cells, OWNER, next.owner, next.ms);
      }
    } finally {
      this.leave();
    }
  }

  /** The same, waiting without blocking this thread's event loop. */
  private async takeAsync(): Promise<boolean> {
    if (Atomics.load(this.cells, OWNER) === this.me) return false;
    const wait = this.enter();
    try {
      for (;;) {
        const next = this.look(wait);
        if (next === true) return true;
        await waitAsync(this.cells, OWNER, next.owner, next.ms).value;
      }
    } finally {
      this.leave();
    }
  }

  private enter(): TurnWait {
    if (this.first) Atomics.store(this.cells, FIRST_WAITING, this.me);
    return { holder: Atomics.load(this.cells, OWNER), deadline: performance.now() + this.giveUpMs };
  }

  private leave(): void {
    if (this.first) Atomics.compareExchange(this.cells, FIRST_WAITING, this.me, 0);
  }

  /**
   * One look at the cells: true when this thread took the turn, else the owner to wait on and for
   * how long: until the holder lets go (notify), or briefly when the lock is free but a
   * first-in-line writer is about to take it. The wait runs out only behind the same holder, and
   * for the first-in-line writer once from when it began: its commits hold webhooks' 200s.
   */
  private look(wait: TurnWait): true | { owner: number; ms: number } {
    const { cells, me } = this;
    const owner = Atomics.load(cells, OWNER);
    if (owner !== wait.holder) {
      wait.holder = owner;
      if (!this.first) wait.deadline = performance.now() + this.giveUpMs;
    }
    const left = wait.deadline - performance.now();
    if (owner === 0) {
      const mayTake = this.first || left <= 0 || Atomics.load(cells, FIRST_WAITING) === 0;
      if (mayTake && Atomics.compareExchange(cells, OWNER, 0, me) === 0) return true;
    } else if (left <= 0 && Atomics.compareExchange(cells, OWNER, owner, me) === owner) return true;
    return { owner, ms: left <= 0 ? 0 : owner === 0 ? Math.min(left, YIELD_MS) : left };
  }

  private release(): void {
    if (Atomics.compareExchange(this.cells, OWNER, this.me, 0) === this.me) Atomics.notify(this.cells, OWNER);
  }
}
