import type { Wakeups } from '../lib/wakeups.js';
import type { Bus } from '../observe/bus.js';
import type { InboxAppend } from './states.js';

/**
 * Group commit. Appends that arrive while a commit is in flight wait and go together in the next
 * one, so N concurrent requests cost one transaction and one fsync instead of N. With nothing in
 * flight, the flush waits one turn of the event loop (setImmediate) so that requests parsed in the
 * same turn share the commit. Each caller's promise settles with its own commit: a 200 is sent only
 * for bytes that are durable, and a failed or overdue commit rejects every append in its batch (the
 * receiver answers 503 and the sender retries; if the commit lands after all, dedupe absorbs the
 * retry). After each commit the `inbox:appended` wake-up tells a worker in this process at once.
 */
export interface GroupCommitOptions {
  /** Most rows in one transaction; larger bursts are split across consecutive commits. */
  maxBatch: number;
  /** A commit slower than this is answered as failed. */
  commitTimeoutMs: number;
}

/** A receiver commit slower than this is answered 503, and the sender retries. */
export const COMMIT_TIMEOUT_MS = 5_000;

/** The receiver's group-commit settings (src/server.ts builds the committer with them). */
export const INBOX_GROUP_COMMIT: GroupCommitOptions = { maxBatch: 512, commitTimeoutMs: COMMIT_TIMEOUT_MS };

interface Waiter {
  row: InboxAppend;
  /** performance.now() when queued: the commit budget counts from here, not from the commit's start. */
  queuedAt: number;
  resolve: (id: number) => void;
  reject: (err: Error) => void;
}

export class GroupCommitter {
  private queue: Waiter[] = [];
  private inFlight: Promise<void> | undefined;
  private scheduled = false;

  constructor(
    private readonly appendBatch: (rows: readonly InboxAppend[]) => Promise<number[]>,
    private readonly options: GroupCommitOptions,
    private readonly bus: Bus,
    private readonly wakeups: Pick<Wakeups, 'signal'>,
  ) {}

  append(row: InboxAppend): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ row, resolve, reject, queuedAt: performance.now() });
      if (!this.inFlight && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  /** Resolves when every append queued so far has settled. */
  async drain(): Promise<void> {
    while (this.inFlight || this.queue.length > 0 || this.scheduled) {
      if (!this.inFlight && !this.scheduled) this.flush();
      await (this.inFlight ?? new Promise((resolve) => setImmediate(resolve)));
    }
  }

  private flush(): void {
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.options.maxBatch);
    this.inFlight = this.commit(batch).finally(() => {
      this.inFlight = undefined;
      this.flush();
    });
  }

  private async commit(batch: Waiter[]): Promise<void> {
    const started = performance.now();
    // The budget runs from the oldest request's arrival, so a request queued behind a hung commit
    // is answered within one budget, not after that commit's budget and then its own.
    const oldest = Math.min(...batch.map((waiter) => waiter.queuedAt));
    const remaining = oldest + this.options.commitTimeoutMs - started;
    if (remaining <= 0) {
      const error = new Error(`waited longer than ${this.options.commitTimeoutMs} ms for the store`);
      this.bus.emit('inbox:commit_failed', { rows: batch.length, error: error.message });
      for (const waiter of batch) waiter.reject(error);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const overdue = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`commit took longer than ${this.options.commitTimeoutMs} ms`)),
        remaining,
      );
    });
    try {
      const ids = await Promise.race([this.appendBatch(batch.map((waiter) => waiter.row)), overdue]);
      this.bus.emit('inbox:committed', { rows: batch.length, commitMs: performance.now() - started });
      this.wakeups.signal('inbox:appended');
      batch.forEach((waiter, index) => {
        waiter.resolve(ids[index] ?? -1);
      });
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.bus.emit('inbox:commit_failed', { rows: batch.length, error: error.message });
      for (const waiter of batch) waiter.reject(error);
    } finally {
      clearTimeout(timer);
    }
  }
}
