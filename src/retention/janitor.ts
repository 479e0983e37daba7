import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../lib/clock.js';
import { createPeriodic } from '../lib/periodic.js';
import type { Bus } from '../observe/bus.js';
import type { Stage } from '../stage.js';
import type { RetentionStore } from '../store/retention-ports.js';
import { PURGE_ORDER, type RetentionPolicy } from './policy.js';

/**
 * The janitor (part of the `worker` role): every interval it removes, class by class, what is past
 * its retention, in batches of BATCH_ROWS. It runs beside the receiver, which matters on SQLite,
 * where a batch holds the one write lock and this process's event loop while it runs: after each
 * batch it pauses twice as long as the batch took (and at least MIN_PAUSE_MS), so the janitor
 * takes at most a third of either and an acknowledgement waits for one small batch at most.
 * A large backlog (retention shortened, or a first run on an old store) is worked off over several
 * runs at that pace. Errors are reported on the bus and the next run tries again.
 */
export const BATCH_ROWS = 100;
const MIN_PAUSE_MS = 5;
const PAUSE_FACTOR = 2;

export interface JanitorOptions {
  store: RetentionStore;
  policy: RetentionPolicy;
  intervalMs: number;
  bus: Bus;
  clock: Clock;
}

export function createJanitor(options: JanitorOptions): Stage & { runOnce(): Promise<number> } {
  // A run goes on batch after batch while the loop runs, or while runOnce is called from outside.
  let runningOnce = false;
  const keepGoing = () => loop.isRunning() || runningOnce;

  const purgeClass = async (dataClass: (typeof PURGE_ORDER)[number], keepMs: number) => {
    let rows = 0;
    for (;;) {
      const batchStarted = performance.now();
      const now = options.clock.now();
      const cutoff = now - keepMs;
      const removed = await options.store.purgeBatch({ dataClass, cutoff, limit: BATCH_ROWS, now });
      const ms = performance.now() - batchStarted;
      rows += removed;
      if (removed > 0) options.bus.emit('retention:purged', { dataClass, rows: removed, ms });
      if (removed < BATCH_ROWS || !keepGoing()) return rows;
      await sleep(Math.max(MIN_PAUSE_MS, PAUSE_FACTOR * ms));
    }
  };

  const runOnce = async () => {
    let total = 0;
    let failed = false;
    for (const dataClass of PURGE_ORDER) {
      const keepMs = options.policy[dataClass];
      if (keepMs <= 0) continue;
      try {
        total += await purgeClass(dataClass, keepMs);
      } catch (err) {
        failed = true;
        options.bus.emit('loop:error', { loop: 'janitor', error: (err as Error).message });
      }
    }
    if (!failed) options.bus.emit('loop:ok', { loop: 'janitor' });
    return total;
  };

  const loop = createPeriodic(options.intervalMs, runOnce);

  return {
    name: 'janitor',
    start: loop.start,
    stop: loop.stop,
    runOnce: async () => {
      const was = runningOnce;
      runningOnce = true;
      try {
        return await runOnce();
      } finally {
        runningOnce = was;
      }
    },
  };
}
