/**
 * The timer of a background loop that runs a task every `intervalMs` (the janitor, the stuck
 * scan). The interval counts from the end of one run to the start of the next, so two runs never
 * overlap and a slow run delays the next one rather than piling up behind it. `stop` clears the
 * timer and waits for the run in hand. An interval of 0 or less never starts. `run` must not
 * reject: it reports its own errors (on the bus), and the next run tries again.
 */
export interface Periodic {
  start(): void;
  stop(): Promise<void>;
  /** Between start and stop: a run in hand may use it to finish early once stopped. */
  isRunning(): boolean;
}

export function createPeriodic(intervalMs: number, run: () => Promise<unknown>): Periodic {
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> = Promise.resolve();

  const schedule = () => {
    if (!running) return;
    timer = setTimeout(() => {
      current = run();
      void current.finally(schedule);
    }, intervalMs);
    timer.unref?.();
  };

  return {
    start() {
      if (running || intervalMs <= 0) return;
      running = true;
      schedule();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await current;
    },
    isRunning: () => running,
  };
}
