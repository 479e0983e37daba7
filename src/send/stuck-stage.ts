import { createPeriodic } from '../lib/periodic.js';
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
  const loop = createPeriodic(deps.intervalMs, () =>
    scanner.runOnce().then(
      () => deps.bus.emit('loop:ok', { loop: 'stuck' }),
      (err: unknown) => deps.bus.emit('loop:error', { loop: 'stuck', error: (err as Error).message }),
    ),
  );
  return {
    name: 'stuck',
    start: loop.start,
    stop: loop.stop,
    runOnce: () => scanner.runOnce(),
  };
}
