/**
 * The idle wait of every loop that polls (the worker, the delivery loop, each event stream): sleep
 * until the poll interval passes or until woken, whichever comes first. A wake that arrives while
 * the loop is busy is kept, and the next sleep returns at once: otherwise a signal sent between the
 * loop's last look at the store and its sleep would be lost, and the rows it announced would wait a
 * whole poll. `wake()` is also how a stop ends the wait.
 */
export class Sleeper {
  private woken = false;
  private wakeUp: (() => void) | undefined;

  /** Resolves after `ms`, or when woken; at once if a wake came since the last sleep ended. */
  sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }
}
