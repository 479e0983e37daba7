import type Database from 'better-sqlite3';
import { Mutex } from '../../lib/mutex.js';
import type { WriteTurns } from './write-turns.js';

/**
 * Lends the store's connection (`db`) to one caller at a time, for a write or for a read; every
 * statement the store runs on it goes through one of the two.
 *
 * A write runs in this thread's write turn (write-turns.ts) from its first statement to its last:
 * the hot writers of the pipeline as much as an admin PUT, a send, the stuck scan's marks, a
 * retention batch or an erasure. Meeting SQLite's lock instead means its busy handler, which
 * sleeps 1, 2, 5, 10… ms between tries whatever the holder does; better-sqlite3 being synchronous,
 * this thread's event loop stands still meanwhile, and on the main thread that is the receiver's.
 * A turn wakes its waiter the moment the holder lets go.
 *
 * A read needs no turn (in WAL a reader does not wait for the writer) and would only hold up the
 * inbox writer if it took one. The connection is read-only while it runs (`query_only`), so a
 * write that came in by this door fails at once instead of writing outside a turn.
 *
 * One mutex for both, held across the awaits of a transaction: an open BEGIN must not absorb
 * another caller's statements, and a turn is the thread's, so a second caller on this thread
 * would run inside the first one's turn (see write-turns.ts).
 */
export class ConnectionLock {
  private readonly mutex = new Mutex();

  constructor(
    private readonly db: Database.Database,
    private readonly turns: WriteTurns,
  ) {}

  /** Runs `work`, which may write, alone on the connection and in this thread's write turn. */
  write<T>(work: () => T | Promise<T>): Promise<T> {
    return this.mutex.run(() => this.turns.holdAsync(async () => work()));
  }

  /** Runs `work`, which only reads, alone on the connection and without a turn. */
  read<T>(work: () => T | Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      // Through pragma() each time: a prepared PRAGMA takes effect when it is compiled, not run.
      this.db.pragma('query_only = ON');
      try {
        return await work();
      } finally {
        this.db.pragma('query_only = OFF');
      }
    });
  }
}
