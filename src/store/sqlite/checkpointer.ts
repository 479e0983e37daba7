import { Worker } from 'node:worker_threads';
import type { CheckpointTick } from './checkpoint-thread.js';
import { sqliteThreadFile, stopThread } from './threads.js';

/**
 * Main-thread side of the checkpoint thread (see checkpoint-thread.ts). The store's own connections
 * run with automatic checkpoints off, so this thread is what keeps the WAL from growing: if it
 * dies, it is started again after one interval.
 */
export class SqliteCheckpointer {
  private worker: Worker | undefined;
  private restart: NodeJS.Timeout | undefined;
  private closed = false;
  /** The last tick's figures; zeros before the first one. */
  last: CheckpointTick = { walBytes: 0, backlogPages: 0 };

  constructor(
    private readonly path: string,
    readonly walLimitBytes: number,
    private readonly intervalMs = 200,
  ) {
    this.start();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.restart);
    const worker = this.worker;
    if (!worker) return;
    await stopThread(worker);
  }

  private start(): void {
    const worker = new Worker(sqliteThreadFile('checkpoint-thread'), {
      workerData: { path: this.path, intervalMs: this.intervalMs, walLimitBytes: this.walLimitBytes },
    });
    worker.on('message', (message: CheckpointTick) => {
      this.last = message;
    });
    // A thread that throws exits, and 'exit' starts a new one.
    worker.on('error', () => undefined);
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
      if (this.closed) return;
      this.restart = setTimeout(() => this.start(), this.intervalMs);
      this.restart.unref();
    });
    // A server stays alive through its listener; the checkpointer alone must not keep a process up.
    worker.unref();
    this.worker = worker;
  }
}
