import type { DeliveryQueue, RecordedAttempt } from '../store/delivery-ports.js';

/**
 * Group commit for attempt records. Every commit costs an fsync (a few milliseconds), far more
 * than writing one row, so the attempts that finish while one commit runs all go into the next:
 * at low load each record is written at once, under load one commit carries many.
 */
const MAX_BATCH = 256;

interface Waiting {
  entry: RecordedAttempt;
  resolve: (applied: boolean) => void;
  reject: (err: Error) => void;
}

export class AttemptRecorder {
  private readonly queue: Waiting[] = [];
  private flushing = false;

  constructor(private readonly store: Pick<DeliveryQueue, 'recordDeliveryAttempts'>) {}

  /** Resolves once the attempt is durable, with whether its move applied (see the port). */
  record(entry: RecordedAttempt): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /** Several attempts in one commit (the members of one batch), each resolving with its move. */
  recordAll(entries: readonly RecordedAttempt[]): Promise<boolean[]> {
    const recorded = entries.map(
      (entry) => new Promise<boolean>((resolve, reject) => this.queue.push({ entry, resolve, reject })),
    );
    if (!this.flushing) void this.flush();
    return Promise.all(recorded);
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        const applied = await this.store.recordDeliveryAttempts(batch.map((waiting) => waiting.entry));
        for (const [i, waiting] of batch.entries()) waiting.resolve(applied[i] ?? false);
      } catch (err) {
        for (const waiting of batch) waiting.reject(err as Error);
      }
    }
    this.flushing = false;
  }
}
