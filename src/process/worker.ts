import { randomUUID } from 'node:crypto';
import { quarantinesAfterFailure, repeatedFailureReason } from '../inbox/states.js';
import type { Clock } from '../lib/clock.js';
import { Sleeper } from '../lib/sleeper.js';
import type { Wakeups } from '../lib/wakeups.js';
import type { Bus } from '../observe/bus.js';
import type { Stage } from '../stage.js';
import type { InboxClaimer, InboxRow, NodeWakeups, ProcessingStore } from '../store/ports.js';
import { processBatch } from './process-batch.js';

/**
 * The worker loop (role `worker`): claim a batch of pending inbox rows with a lease, process it,
 * repeat while there is work. When idle it sleeps until woken (an append in this process, or a
 * NOTIFY from another node) or until the poll interval passes, whichever comes first; the poll is
 * the fallback that makes a lost wake-up cost latency, never data.
 */
export interface WorkerOptions {
  /** With PostgreSQL, `onInboxAppended` brings other nodes' appends (NOTIFY). */
  store: InboxClaimer & ProcessingStore & Pick<NodeWakeups, 'onInboxAppended'>;
  bus: Bus;
  clock: Clock;
  /** Where the worker hears `inbox:appended` and says `events:appended` (lib/wakeups.ts). */
  wakeups: Wakeups;
  batchSize?: number;
  leaseMs?: number;
  pollMs?: number;
}

export function createProcessingWorker(options: WorkerOptions): Stage & { readonly owner: string } {
  const owner = `worker-${randomUUID()}`;
  const batchSize = options.batchSize ?? 200;
  const leaseMs = options.leaseMs ?? 60_000;
  const pollMs = options.pollMs ?? 500;
  let running = false;
  let loop: Promise<void> | undefined;
  const sleeper = new Sleeper();
  let unsubscribe: (() => void) | undefined;

  const deps = () => ({
    store: options.store,
    bus: options.bus,
    wakeups: options.wakeups,
    clock: options.clock,
    owner,
  });

  /**
   * A batch that fails is retried row by row, so one poison row cannot hold back the others. A row
   * that keeps failing on its own is quarantined with the error after MAX_ATTEMPTS claims (inbox/states.ts); before
   * that it is left leased, and a transient store error costs only a retry after the lease.
   */
  const processClaimed = async (rows: InboxRow[]) => {
    try {
      await processBatch(rows, deps());
      return;
    } catch (err) {
      if (rows.length === 1 && !quarantinesAfterFailure(rows[0]!.attempts)) throw err;
    }
    for (const row of rows) {
      try {
        await processBatch([row], deps());
      } catch (err) {
        options.bus.emit('process:batch_failed', { error: (err as Error).message });
        if (quarantinesAfterFailure(row.attempts)) {
          const reason = repeatedFailureReason(row.attempts, (err as Error).message);
          await options.store.withProcessingTx((tx) =>
            tx.quarantineInbox(row.id, owner, reason, options.clock.now()),
          );
        }
      }
    }
  };

  const runLoop = async () => {
    while (running) {
      let claimed = 0;
      try {
        const rows = await options.store.claimInbox({
          owner,
          limit: batchSize,
          leaseMs,
          now: options.clock.now(),
        });
        claimed = rows.length;
        if (claimed > 0) await processClaimed(rows);
        options.bus.emit('loop:ok', { loop: 'worker' });
      } catch (err) {
        options.bus.emit('process:batch_failed', { error: (err as Error).message });
        options.bus.emit('loop:error', { loop: 'worker', error: (err as Error).message });
        claimed = 0;
      }
      if (claimed < batchSize && running) await sleeper.sleep(pollMs);
      // The store calls resolve at once (better-sqlite3 is synchronous), so without this turn a
      // backlog would drain in one macrotask and starve the receiver and the admin API meanwhile.
      else await yieldToEventLoop();
    }
  };

  return {
    name: 'worker',
    owner,
    start() {
      if (running) return;
      running = true;
      const local = options.wakeups.on('inbox:appended', () => sleeper.wake());
      const remote = options.store.onInboxAppended?.(() => sleeper.wake());
      unsubscribe = () => {
        local();
        remote?.();
      };
      loop = runLoop();
    },
    async stop() {
      running = false;
      unsubscribe?.();
      sleeper.wake();
      await loop;
    },
  };
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
