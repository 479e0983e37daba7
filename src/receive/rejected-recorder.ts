import type { Bus } from '../observe/bus.js';
import type { RejectedLog, RejectedRequest } from '../store/ports.js';

/**
 * Keeps rejected requests for troubleshooting without letting them cost the ack path anything: they
 * are buffered in memory and written in one transaction a second. A flood of bad requests can fill
 * only the bounded buffer (the rest are counted as dropped) and the bounded table.
 */
export class RejectedRecorder {
  private buffer: RejectedRequest[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly log: RejectedLog,
    private readonly bus: Bus,
    private readonly options: { maxRows: number; maxBuffered: number; flushMs: number },
  ) {}

  record(request: RejectedRequest): void {
    if (this.buffer.length >= this.options.maxBuffered) {
      this.bus.emit('rejected_log:dropped', { count: 1 });
      return;
    }
    this.buffer.push(request);
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.options.flushMs);
      this.timer.unref();
    }
  }

  async flush(): Promise<void> {
    await this.flushing;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.log.recordRejected(batch, this.options.maxRows).then(
      () => this.bus.emit('loop:ok', { loop: 'rejected-log' }),
      (err: Error) => {
        this.bus.emit('rejected_log:dropped', { count: batch.length });
        this.bus.emit('loop:error', { loop: 'rejected-log', error: err.message });
      },
    );
    await this.flushing;
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
