import { Worker } from 'node:worker_threads';
import type { InboxAppend } from '../ports.js';
import { inboxValues } from '../shared/rows.js';
import type { InboxAppendTuple } from './inbox-sql.js';
import { sqliteThreadFile, stopThread } from './threads.js';
import { releaseTurnsOf, writeTurnsBuffer } from './write-turns.js';

interface Pending {
  resolve: (ids: number[]) => void;
  reject: (err: Error) => void;
}

/**
 * Main-thread side of the writer thread: one message per batch, answered in order. If the thread
 * dies, every batch in flight is rejected (the receiver answers 503) and the next append starts a
 * fresh thread.
 */
export class SqliteInboxWriter {
  private worker: Worker | undefined;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  constructor(private readonly path: string) {}

  append(rows: readonly InboxAppend[]): Promise<number[]> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    const worker = this.ensureWorker();
    const seq = ++this.seq;
    const tuples: InboxAppendTuple[] = rows.map(inboxValues);
    return new Promise<number[]>((resolve, reject) => {
      // Referenced while a batch is in flight, so a process with nothing else to do still waits
      // for its commit; unreferenced when idle, so the thread never keeps a finished process alive.
      if (this.pending.size === 0) worker.ref();
      this.pending.set(seq, { resolve, reject });
      worker.postMessage({ seq, rows: tuples });
    });
  }

  /** An empty batch: the thread takes and releases the write lock. */
  async probe(): Promise<void> {
    await this.append([]);
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    await stopThread(worker);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(sqliteThreadFile('writer-thread'), { workerData: { path: this.path } });
    worker.on('message', (message: { seq: number; ids?: number[]; error?: string }) => {
      const entry = this.pending.get(message.seq);
      if (!entry) return;
      this.pending.delete(message.seq);
      if (this.pending.size === 0) worker.unref();
      if (message.ids) entry.resolve(message.ids);
      else entry.reject(new Error(message.error ?? 'inbox append failed'));
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const entry of this.pending.values()) entry.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    const { threadId } = worker;
    worker.on('exit', (code) => {
      // A writer that died waiting for its turn, or holding it, must not keep the others waiting.
      releaseTurnsOf(writeTurnsBuffer(this.path), threadId);
      fail(new Error(`inbox writer thread exited with code ${code}`));
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }
}
