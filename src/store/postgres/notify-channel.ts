import pg from 'pg';
import { type PostgresStoreOptions, sessionConfig } from './connection.js';
import { schemaLockKey } from './locks.js';

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;

/**
 * Wake-ups across nodes on one channel of this schema: after a commit that made work (inbox rows
 * appended, events appended), a NOTIFY tells every node listening on the channel. Wake-ups are a
 * latency optimization only; workers and delivery loops also poll, so a lost NOTIFY (the listener
 * was reconnecting, the notify failed) costs one poll interval, never a row. That is why failures
 * here are swallowed, not thrown.
 *
 * The listener holds one dedicated connection (a pooled one could be handed to someone else while
 * LISTEN is active). When that connection is lost it reconnects with a backoff, and once listening
 * again it wakes everyone, since appends made in between were announced to nobody.
 */
export class NotifyChannel {
  private readonly listeners = new Set<() => void>();
  private current: pg.Client | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = RETRY_MIN_MS;
  private notifying: Promise<void> | undefined;
  private notifyAgain = false;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
    private readonly options: PostgresStoreOptions,
    readonly channel: string,
  ) {}

  /** Called after a commit that made work. While one NOTIFY is in flight, later calls fold into one more. */
  announce(): void {
    if (this.closed) return;
    if (this.notifying) {
      this.notifyAgain = true;
      return;
    }
    this.notifying = this.pool
      .query('SELECT pg_notify($1, $2)', [this.channel, ''])
      // A failed NOTIFY only delays the listeners until their next poll.
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.notifying = undefined;
        if (this.notifyAgain) {
          this.notifyAgain = false;
          this.announce();
        }
      });
  }

  subscribe(listener: () => void): () => void {
    if (this.closed) return () => undefined;
    this.listeners.add(listener);
    if (!this.current && !this.retryTimer) void this.listen();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopListening();
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    this.stopListening();
    await this.notifying;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client(sessionConfig(this.url, this.options));
    this.current = client;
    client.on('notification', () => this.wakeAll());
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.channel)}`);
    } catch {
      this.lost(client);
      return;
    }
    if (this.current !== client) return;
    this.retryMs = RETRY_MIN_MS;
    this.wakeAll();
  }

  private lost(client: pg.Client): void {
    if (this.current !== client) return;
    this.current = undefined;
    void client.end().catch(() => undefined);
    if (this.closed || this.listeners.size === 0) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.listen();
    }, this.retryMs);
    // Reconnecting must not keep a process alive that has nothing else to do.
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }

  private stopListening(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const client = this.current;
    this.current = undefined;
    if (client) void client.end().catch(() => undefined);
  }

  private wakeAll(): void {
    for (const listener of this.listeners) listener();
  }
}

/**
 * One channel per schema and kind of work, short enough for any schema name (channel names stop at
 * 63 bytes): inbox rows appended (workers listen), events appended (delivery loops and event
 * streams listen).
 */
export function inboxChannel(schema: string): string {
  return `wahook_inbox_${(schemaLockKey(schema) >>> 0).toString(16)}`;
}

export function eventsChannel(schema: string): string {
  return `wahook_events_${(schemaLockKey(schema) >>> 0).toString(16)}`;
}
