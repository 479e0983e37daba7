import type { Stage } from '../stage.js';
import { createStuckScanner, type StuckScanner } from './stuck.js';

/**
 * The stuck scan as a worker-role loop, every `intervalMs` (WAHOOK_STUCK_SCAN_INTERVAL); an error
 * is reported and the next round tries again.
 */
export function createStuckStage(
  deps: Parameters<typeof createStuckScanner>[0] & { intervalMs: number },
): Stage & StuckScanner {
  const scanner = createStuckScanner(deps);
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let current: Promise<unknown> = Promise.resolve();
  const schedule = () => {
    if (!running) return;
    timer = setTimeout(() => {
      current = scanner.runOnce().then(
        () => deps.bus.emit('loop:ok', { loop: 'stuck' }),
        (err: unknown) => deps.bus.emit('loop:error', { loop: 'stuck', error: (err as Error).message }),
      );
      void current.finally(schedule);
    }, deps.intervalMs);
    timer.unref?.();
  };
  return {
    name: 'stuck',
    start() {
      if (running) return;
      running = true;
      schedule();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await current;
    },
    runOnce: () => scanner.runOnce(),
  };
}
