/**
 * Wake-ups: control flow between the parts of one process, kept apart from the observability bus
 * (observe/bus.ts) so that renaming or dropping a metric event cannot change what runs when. A
 * signal says only that something was committed; it carries no data, because whoever wakes reads
 * the store, and the store is the truth. Every loop that listens also polls, so a lost or
 * coalesced signal costs latency, never data.
 *
 * - `inbox:appended`: inbox rows are durable; a worker has rows to claim.
 * - `events:appended`: processing committed new events (and their deliveries); the delivery loop
 *   and the event streams look now. Signalled once per batch.
 * - `dead_letters:replayed`: dead letters went back to pending (admin API or dashboard); the
 *   delivery loop looks now.
 *
 * Across threads and nodes a signal is carried by whoever bridges them (background/stage.ts,
 * PostgreSQL NOTIFY); this hub is in-process only.
 */
export const WAKEUPS = ['inbox:appended', 'events:appended', 'dead_letters:replayed'] as const;

export type Wakeup = (typeof WAKEUPS)[number];

/** Where a listener's throw goes: the process's bus (`loop:error`, loop `wakeups`), which logs and counts it. */
export type WakeupListenerError = (signal: Wakeup, error: Error) => void;

export class Wakeups {
  private readonly listeners = new Map<Wakeup, Set<() => void>>();

  constructor(private readonly onListenerError: WakeupListenerError) {}

  /** Listeners run inline and must be cheap (set a flag, resolve a sleep); returns an unsubscribe. */
  on(signal: Wakeup, listener: () => void): () => void {
    let set = this.listeners.get(signal);
    if (!set) {
      set = new Set();
      this.listeners.set(signal, set);
    }
    // A wrapper per subscription, so the same function subscribed twice is two subscriptions.
    const entry = () => listener();
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  /**
   * Runs every listener, each guarded: a signal is said after a commit (the inbox's group commit
   * signals from its onCommitted), so a listener that throws must neither stop the others nor
   * reach the committer, which would answer a durable append as failed. The throw goes to
   * `onListenerError`, and the poll the listener's loop also runs covers the lost wake-up.
   */
  signal(signal: Wakeup): void {
    for (const listener of [...(this.listeners.get(signal) ?? [])]) {
      try {
        listener();
      } catch (err) {
        this.report(signal, err);
      }
    }
  }

  private report(signal: Wakeup, err: unknown): void {
    this.onListenerError(signal, err instanceof Error ? err : new Error(String(err)));
  }
}
