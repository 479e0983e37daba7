/**
 * Group commit: items that arrive while a commit is in flight wait and go together in the next
 * one, so N concurrent writes cost one transaction and one fsync instead of N. Each caller's
 * promise settles with its own commit: it resolves only once its item is durable, and a commit
 * that fails (or, with `timeoutMs`, is overdue) rejects every item in it.
 *
 * With nothing in flight, a commit starts after one turn of the event loop (setImmediate), so
 * that the items of the same turn share it: the inbox's requests (inbox/group-commit.ts) are
 * parsed many to a turn, and the delivery loop's answers (deliver/attempt-recorder.ts) arrive many
 * to a turn. Committing at once instead gathered nothing on a synchronous store (SQLite): its
 * commit ends before the next item arrives, so every item was a transaction of its own.
 */
export interface GroupCommitOptions<R> {
  /** Most items in one commit; a larger backlog goes in consecutive commits. */
  maxBatch: number;
  /**
   * A commit slower than this fails. The budget runs from the oldest item's arrival, so an item
   * queued behind a hung commit is answered within one budget, not after that commit's and then
   * its own; an item whose budget is gone before its commit starts fails without being written.
   */
  timeoutMs?: number;
  /** The result of an item the commit returned none for. */
  missing: R;
  /** After a commit, before its items resolve. Must not throw. */
  onCommitted?: (items: number, commitMs: number) => void;
  /** After a failed or overdue commit, before its items reject. Must not throw. */
  onFailed?: (items: number, error: Error) => void;
}

interface Waiter<T, R> {
  item: T;
  /** performance.now() when queued. */
  queuedAt: number;
  resolve: (result: R) => void;
  reject: (err: Error) => void;
}

export class GroupCommit<T, R> {
  private queue: Waiter<T, R>[] = [];
  private inFlight: Promise<void> | undefined;
  private scheduled = false;

  constructor(
    private readonly commit: (items: readonly T[]) => Promise<readonly R[]>,
    private readonly options: GroupCommitOptions<R>,
  ) {}

  /** Resolves with the item's result once its commit is durable. */
  add(item: T): Promise<R> {
    const result = this.enqueue(item);
    this.start();
    return result;
  }

  /** Several items queued together, so that they share one commit (up to `maxBatch`). */
  addAll(items: readonly T[]): Promise<R[]> {
    const results = items.map((item) => this.enqueue(item));
    this.start();
    return Promise.all(results);
  }

  private enqueue(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject, queuedAt: performance.now() });
    });
  }

  private start(): void {
    if (this.inFlight || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** Resolves when every item added so far has settled. */
  async drain(): Promise<void> {
    while (this.inFlight || this.queue.length > 0 || this.scheduled) {
      if (!this.inFlight && !this.scheduled) this.flush();
      await (this.inFlight ?? new Promise((resolve) => setImmediate(resolve)));
    }
  }

  private flush(): void {
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.options.maxBatch);
    this.inFlight = this.run(batch).finally(() => {
      this.inFlight = undefined;
      this.flush();
    });
  }

  private async run(batch: Waiter<T, R>[]): Promise<void> {
    const started = performance.now();
    const { timeoutMs } = this.options;
    let timer: NodeJS.Timeout | undefined;
    try {
      let committed: Promise<readonly R[]>;
      if (timeoutMs === undefined) committed = this.commit(batch.map((waiter) => waiter.item));
      else {
        const oldest = Math.min(...batch.map((waiter) => waiter.queuedAt));
        const remaining = oldest + timeoutMs - started;
        if (remaining <= 0) throw new Error(`waited longer than ${timeoutMs} ms for the store`);
        const overdue = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`commit took longer than ${timeoutMs} ms`)), remaining);
        });
        committed = Promise.race([this.commit(batch.map((waiter) => waiter.item)), overdue]);
      }
      const results = await committed;
      this.options.onCommitted?.(batch.length, performance.now() - started);
      batch.forEach((waiter, index) => {
        waiter.resolve(results[index] ?? this.options.missing);
      });
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.options.onFailed?.(batch.length, error);
      for (const waiter of batch) waiter.reject(error);
    } finally {
      clearTimeout(timer);
    }
  }
}
