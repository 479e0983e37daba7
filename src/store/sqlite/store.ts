import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type {
  ClaimedDelivery,
  DeadLetter,
  DeadLetterFilter,
  DeadLetterMatch,
  DeadLetterSelector,
  DeferredDelivery,
  DeliveryAttempt,
  DeliveryClaim,
  DeliveryListing,
  DeliveryListQuery,
  DeliveryQueueStats,
  DeliveryStore,
  EventDelivery,
  FileSubscription,
  FileSyncResult,
  NewSubscription,
  RecordedAttempt,
  ReplayOptions,
  Subscription,
  SubscriptionBacklog,
  SubscriptionPatch,
} from '../delivery-ports.js';
import type {
  ClaimOptions,
  InboxAppend,
  InboxRow,
  InboxState,
  InboxStats,
  InboxSummary,
  MessageQuery,
  ProcessingTx,
  RejectedRequest,
  RejectedRequestRow,
  Store,
  StoredEvent,
  StoredMessage,
} from '../ports.js';
import type {
  DataClass,
  ErasureCounts,
  ErasureLogEntry,
  PersonRef,
  PurgeBatch,
  RetentionStore,
} from '../retention-ports.js';
import type {
  BusinessMetadata,
  MessageContext,
  NewSend,
  ScannedSend,
  SendOutcome,
  SendRow,
  SendState,
  StuckJudgement,
  StuckSend,
} from '../send-ports.js';
import * as deadLetters from '../shared/dead-letters.js';
import { type ErasureOps, erasePersonWith } from '../shared/erasure.js';
import {
  COUNTERPART_EXPRESSIONS,
  type EventRecord,
  type MessageRow,
  toStoredEvent,
  toStoredMessage,
} from '../shared/event-rows.js';
import { migratedOrClosed } from '../shared/migrated-or-closed.js';
import {
  INBOX_STATS_SQL,
  INBOX_SUMMARY_COLUMNS,
  type InboxRecord,
  type InboxStatsRecord,
  inboxStateFilter,
  REJECTED_COLUMNS,
  type RejectedRecord,
  rejectedValues,
  toInboxRow,
  toInboxStats,
  toInboxSummary,
  toRejectedRow,
} from '../shared/rows.js';
import * as sends from '../shared/sends.js';
import type { SqlTxOps } from '../shared/sql-ops.js';
import * as stuckScan from '../shared/stuck-scan-reads.js';
import { applySubscriptionsFile } from '../shared/subscriptions-file-sync.js';
import { SqliteCheckpointer } from './checkpointer.js';
import { openSqlite } from './connection.js';
import { ConnectionLock } from './connection-lock.js';
import {
  claimDeliveries,
  deferDeliveries,
  deliveryQueueStats,
  recordDeliveryAttempts,
} from './delivery-queue.js';
import {
  listDeliveries,
  listEventDeliveries,
  setSubscriptionPaused,
  subscriptionBacklogs,
} from './delivery-reader.js';
import { DiskSpaceMonitor } from './disk-space.js';
import { SqliteInboxWriter } from './inbox-writer.js';
import { migrateSqlite } from './migrate.js';
import { prepared } from './prepared.js';
import { SqliteProcessingTx } from './processing.js';
import { erasureOps, listErasures, oldestRowTimes, purgeBatch } from './retention.js';
import { sqlTxOps, withImmediateTx } from './sql.js';
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  listSubscriptions,
  subscriptionFileOps,
  updateSubscription,
} from './subscriptions.js';
import { releaseTurnsOf, WriteTurns, writeTurnsBuffer } from './write-turns.js';

/**
 * The embedded store. Inbox appends go through the writer thread (group-committed by the caller);
 * everything else uses this thread's connection, which WAL lets read beside the writer.
 */
export class SqliteStore implements Store, DeliveryStore, RetentionStore {
  readonly dialect = 'sqlite' as const;
  readonly db: Database.Database;
  /**
   * Reads use their own connection: on `db` they would see the writes of a processing transaction
   * that is still open, and if it rolled back, an event seq a reader had passed could be reused.
   */
  private readonly reader: Database.Database;
  private readonly writer: SqliteInboxWriter;
  /** Absent for ':memory:', which has no WAL. */
  readonly checkpointer: SqliteCheckpointer | undefined;
  /** Absent for ':memory:', which has no folder. */
  private readonly disk: DiskSpaceMonitor | undefined;
  private closed = false;
  /**
   * Every statement on `db` runs through it: a write in this thread's turn at the file's write
   * lock (write-turns.ts), whatever it writes, a read alone and without one (connection-lock.ts).
   */
  private readonly lock: ConnectionLock;
  /** Shared SQL on `db` (see shared/sql-ops.ts); run it only through `lock`. */
  private readonly sql: SqlTxOps;

  constructor(
    readonly path: string,
    options: SqliteStoreOptions = {},
  ) {
    this.db = openSqlite(path, 'NORMAL');
    // Every delete and rewrite here (retention, erasure, record updates) zeroes the bytes it frees,
    // so an erased person's number and texts do not live on in free pages of the file.
    this.db.pragma('secure_delete = ON');
    this.sql = sqlTxOps(this.db);
    this.reader = openSqlite(path);
    this.reader.pragma('query_only = ON');
    this.lock = new ConnectionLock(this.db, new WriteTurns(writeTurnsBuffer(path)));
    this.writer = new SqliteInboxWriter(path);
    const onDisk = path !== ':memory:';
    this.checkpointer =
      onDisk && options.checkpoint !== false
        ? new SqliteCheckpointer(path, options.walLimitBytes ?? DEFAULT_WAL_LIMIT_BYTES)
        : undefined;
    this.disk = onDisk
      ? new DiskSpaceMonitor(path, options.diskReserveBytes ?? DEFAULT_DISK_RESERVE_BYTES)
      : undefined;
  }

  async migrate(): Promise<void> {
    // One turn for every migration: past a version's first boot each is a short look at
    // schema_migrations, and that first boot opens the store before the receiver listens.
    await this.lock.write(() => migrateSqlite(this.db));
  }

  appendInboxBatch(rows: readonly InboxAppend[]): Promise<number[]> {
    // Refused before the disk is full, so that processing what already got 200 still fits.
    if (this.disk?.belowReserve) return Promise.reject(this.reserveError(this.disk));
    return this.writer.append(rows);
  }

  private reserveError(disk: DiskSpaceMonitor): Error {
    const mib = (bytes: number) => `${Math.floor(bytes / 1024 ** 2)} MiB`;
    return new Error(
      `free disk space ${mib(disk.freeBytes ?? 0)} is below the ${mib(disk.reserveBytes)} reserve (WAHOOK_DISK_RESERVE)`,
    );
  }

  async getInboxRow(id: number): Promise<InboxRow | undefined> {
    const record = this.reader.prepare('SELECT * FROM inbox_rows WHERE id = ?').get(id) as
      | InboxRecord
      | undefined;
    return record ? toInboxRow(record) : undefined;
  }

  async listInbox(options: {
    state?: InboxState;
    limit: number;
    beforeId?: number;
  }): Promise<InboxSummary[]> {
    // The state is written into the SQL (an enum value, checked): a bound parameter would keep
    // SQLite from the partial indexes of pending and quarantined rows, and a few quarantined rows
    // among millions processed would then cost a scan of the inbox.
    const records = this.reader
      .prepare(
        `SELECT ${INBOX_SUMMARY_COLUMNS} FROM inbox_rows
         WHERE id < ? ${inboxStateFilter(options.state)} ORDER BY id DESC LIMIT ?`,
      )
      .all(options.beforeId ?? Number.MAX_SAFE_INTEGER, options.limit);
    return (records as Parameters<typeof toInboxSummary>[0][]).map(toInboxSummary);
  }

  walBacklogPages(): number {
    return this.checkpointer?.last.backlogPages ?? 0;
  }

  walBytes(): number {
    return this.checkpointer?.last.walBytes ?? 0;
  }

  walLimitBytes(): number | undefined {
    return this.checkpointer?.walLimitBytes;
  }

  async storeSizeBytes(): Promise<number> {
    if (!this.disk) return 0;
    const size = (file: string) => {
      try {
        return statSync(file).size;
      } catch {
        return 0;
      }
    };
    return size(this.path) + size(`${this.path}-wal`);
  }

  diskSpace(): { freeBytes: number | undefined; reserveBytes: number } | undefined {
    return this.disk && { freeBytes: this.disk.freeBytes, reserveBytes: this.disk.reserveBytes };
  }

  async inboxStats(): Promise<InboxStats> {
    return toInboxStats(this.reader.prepare(INBOX_STATS_SQL).get() as InboxStatsRecord);
  }

  claimInbox(options: ClaimOptions): Promise<InboxRow[]> {
    return this.lock.write(() => this.claimInboxNow(options));
  }

  /** The lease goes to the narrow state rows; the requests are read once they are ours. */
  private claimInboxNow(options: ClaimOptions): InboxRow[] {
    const leased = prepared(
      this.db,
      `UPDATE inbox_state SET lease_owner = @owner, lease_until = @until, attempts = attempts + 1
       WHERE id IN (SELECT id FROM inbox_state WHERE state = 'pending'
                      AND (lease_until IS NULL OR lease_until < @now) ORDER BY id LIMIT @limit)
       RETURNING id`,
    ).all({
      owner: options.owner,
      until: options.now + options.leaseMs,
      now: options.now,
      limit: options.limit,
    }) as { id: number }[];
    if (leased.length === 0) return [];
    const records = prepared(
      this.db,
      'SELECT * FROM inbox_rows WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id',
    ).all(JSON.stringify(leased.map((row) => row.id)));
    return (records as InboxRecord[]).map(toInboxRow);
  }

  requeueQuarantined(ids?: readonly number[]): Promise<number> {
    return this.lock.write(() => this.requeueNow(ids));
  }

  private requeueNow(ids?: readonly number[]): number {
    const sql = `UPDATE inbox_state SET state = 'pending', lease_owner = NULL, lease_until = NULL
      WHERE state = 'quarantined'`;
    if (!ids) return this.db.prepare(sql).run().changes;
    const update = this.db.prepare(`${sql} AND id = ?`);
    return this.db.transaction(() => ids.reduce((n, id) => n + update.run(id).changes, 0))();
  }

  recordRejected(requests: readonly RejectedRequest[], maxRows: number): Promise<void> {
    return this.lock.write(() => this.recordRejectedNow(requests, maxRows));
  }

  private recordRejectedNow(requests: readonly RejectedRequest[], maxRows: number): void {
    const insert = this.db.prepare(
      `INSERT INTO rejected_requests (${REJECTED_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      let lastId = 0;
      for (const request of requests) {
        lastId = Number(insert.run(...rejectedValues(request)).lastInsertRowid);
      }
      // Trimming by id keeps the cost constant however long the table has been filling.
      this.db.prepare('DELETE FROM rejected_requests WHERE id <= ?').run(lastId - maxRows);
    })();
  }

  async listRejected(options: { limit: number; beforeId?: number }): Promise<RejectedRequestRow[]> {
    const records = this.reader
      .prepare('SELECT * FROM rejected_requests WHERE id < ? ORDER BY id DESC LIMIT ?')
      .all(options.beforeId ?? Number.MAX_SAFE_INTEGER, options.limit) as RejectedRecord[];
    return records.map(toRejectedRow);
  }

  withProcessingTx<T>(work: (tx: ProcessingTx) => Promise<T>): Promise<T> {
    return this.lock.write(() => withImmediateTx(this.db, () => work(new SqliteProcessingTx(this.db))));
  }

  async listEvents(options: {
    afterSeq: number;
    limit: number;
    types?: readonly string[];
  }): Promise<StoredEvent[]> {
    const types = options.types && options.types.length > 0 ? options.types : undefined;
    const records = types
      ? this.reader
          .prepare(
            `SELECT * FROM events WHERE seq > ? AND type IN (SELECT value FROM json_each(?)) ORDER BY seq LIMIT ?`,
          )
          .all(options.afterSeq, JSON.stringify(types), options.limit)
      : this.reader
          .prepare('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?')
          .all(options.afterSeq, options.limit);
    return (records as EventRecord[]).map(toStoredEvent);
  }

  async getEvent(id: string): Promise<StoredEvent | undefined> {
    const record = this.reader.prepare('SELECT * FROM events WHERE id = ?').get(id) as
      | EventRecord
      | undefined;
    return record ? toStoredEvent(record) : undefined;
  }

  async listEventsByKey(orderingKey: string, limit: number): Promise<StoredEvent[]> {
    const records = this.reader
      .prepare('SELECT * FROM events WHERE ordering_key = ? ORDER BY seq LIMIT ?')
      .all(orderingKey, limit) as EventRecord[];
    return records.map(toStoredEvent);
  }

  async lastEventSeq(): Promise<number> {
    const row = this.reader.prepare('SELECT MAX(seq) AS seq FROM events').get() as { seq: number | null };
    return row.seq ?? 0;
  }

  async getMessage(id: string): Promise<StoredMessage | undefined> {
    const row = this.reader.prepare('SELECT * FROM messages WHERE id = ?').get(id) as MessageRow | undefined;
    return row ? toStoredMessage(row) : undefined;
  }

  async listMessages(query: MessageQuery): Promise<StoredMessage[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const filter = (clause: string, value: unknown) => {
      where.push(clause);
      params.push(value);
    };
    if (query.status) filter('status = ?', query.status);
    if (query.phoneNumberId) filter('phone_number_id = ?', query.phoneNumberId);
    if (query.since !== undefined) filter('updated_at >= ?', query.since);
    if (query.counterpart !== undefined) {
      const { waId, userId } = COUNTERPART_EXPRESSIONS.sqlite;
      where.push(`(${waId} = ? OR ${userId} = ?)`);
      params.push(query.counterpart, query.counterpart);
    }
    if (query.before) {
      where.push('(updated_at < ? OR (updated_at = ? AND id < ?))');
      params.push(query.before.updatedAt, query.before.updatedAt, query.before.id);
    }
    const sql = `SELECT * FROM messages ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY updated_at DESC, id DESC LIMIT ?`;
    return (this.reader.prepare(sql).all(...params, query.limit) as MessageRow[]).map(toStoredMessage);
  }

  threadExited(threadId: number): void {
    releaseTurnsOf(writeTurnsBuffer(this.path), threadId);
  }

  async checkWritable(): Promise<void> {
    if (this.closed) throw new Error('store is closed');
    // A write that changes nothing still needs the write lock and a writable file.
    await this.writer.probe();
    if (!this.disk) return;
    // But it needs no space: the reserve and a small synced write say whether the disk has some.
    await this.disk.refresh();
    if (this.disk.belowReserve) throw this.reserveError(this.disk);
    await this.disk.probeWrite(this.path);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer.close();
    await this.checkpointer?.close();
    this.disk?.close();
    this.reader.close();
    this.db.close();
  }

  // retention and erasure
  purgeBatch(batch: PurgeBatch): Promise<number> {
    return this.lock.write(() => purgeBatch(this.db, batch));
  }
  async oldestRowTimes(): Promise<Record<DataClass, number | null>> {
    return oldestRowTimes(this.reader);
  }
  erasePerson(person: PersonRef, now: number): Promise<ErasureCounts> {
    return erasePersonWith(this.erasureOps(), person, now);
  }
  /** The statements an erasure runs here; erasePerson drives them with the shared erasure code. */
  erasureOps(): ErasureOps {
    return erasureOps(this.reader, this.db, (work) => this.lock.write(work));
  }
  async listErasures(limit: number): Promise<ErasureLogEntry[]> {
    return listErasures(this.reader, limit);
  }

  // ⑤ delivery
  createSubscription(input: NewSubscription): Promise<Subscription> {
    return this.lock.write(() => createSubscription(this.db, input));
  }
  getSubscription(id: string): Promise<Subscription | undefined> {
    return this.lock.read(() => getSubscription(this.db, id));
  }
  listSubscriptions(): Promise<Subscription[]> {
    return this.lock.read(() => listSubscriptions(this.db));
  }
  updateSubscription(id: string, patch: SubscriptionPatch, now: number): Promise<Subscription | undefined> {
    return this.lock.write(() => updateSubscription(this.db, id, patch, now));
  }
  deleteSubscription(id: string): Promise<boolean> {
    return this.lock.write(() => deleteSubscription(this.db, id));
  }
  syncFileSubscriptions(
    subs: readonly FileSubscription[],
    now: number,
    newSecret: () => string,
  ): Promise<FileSyncResult> {
    return this.lock.write(() =>
      withImmediateTx(this.db, () =>
        applySubscriptionsFile(subscriptionFileOps(this.db), subs, now, newSecret),
      ),
    );
  }
  claimDeliveries(claim: DeliveryClaim): Promise<ClaimedDelivery[]> {
    return this.lock.write(() => claimDeliveries(this.db, claim));
  }
  recordDeliveryAttempts(entries: readonly RecordedAttempt[]): Promise<boolean[]> {
    return this.lock.write(() => recordDeliveryAttempts(this.db, entries));
  }
  deferDeliveries(entries: readonly DeferredDelivery[]): Promise<void> {
    return this.lock.write(() => deferDeliveries(this.db, entries));
  }
  deliveryQueueStats(now: number): Promise<DeliveryQueueStats> {
    return this.lock.read(() => deliveryQueueStats(this.db, now));
  }
  listDeadLetters(query: DeadLetterFilter & { afterId?: number; limit: number }): Promise<DeadLetter[]> {
    return this.lock.read(() => deadLetters.listDeadLetters(this.sql, query));
  }
  getDeadLetter(id: number): Promise<(DeadLetter & { attemptLog: DeliveryAttempt[] }) | undefined> {
    return this.lock.read(() => deadLetters.getDeadLetter(this.sql, id));
  }
  replayDeadLetters(selector: DeadLetterSelector, options: ReplayOptions): Promise<number> {
    return this.lock.write(() => deadLetters.replayDeadLetters(this.sql, selector, options));
  }
  listDeliveries(query: DeliveryListQuery): Promise<DeliveryListing[]> {
    return this.lock.read(() => listDeliveries(this.db, query));
  }
  subscriptionBacklogs(): Promise<SubscriptionBacklog[]> {
    return this.lock.read(() => subscriptionBacklogs(this.db));
  }
  matchDeadLetters(selector: DeadLetterSelector, limit: number): Promise<DeadLetterMatch[]> {
    return this.lock.read(() => deadLetters.matchDeadLetters(this.sql, selector, limit));
  }
  listEventDeliveries(eventSeqs: readonly number[], limit: number): Promise<EventDelivery[]> {
    return this.lock.read(() => listEventDeliveries(this.db, eventSeqs, limit));
  }
  setSubscriptionPaused(id: string, paused: boolean, now: number): Promise<Subscription | undefined> {
    return this.lock.write(() => setSubscriptionPaused(this.db, id, paused, now));
  }

  // ---- sends and message context (src/store/send-ports.ts) ----
  createSend(send: NewSend): Promise<{ created: boolean; send: SendRow }> {
    return this.lock.write(() => sends.createSend(this.sql, send));
  }
  getSend(id: string): Promise<SendRow | undefined> {
    return this.lock.read(() => sends.getSend(this.sql, id));
  }
  getSendByIdempotencyKey(key: string): Promise<SendRow | undefined> {
    return this.lock.read(() => sends.getSendByIdempotencyKey(this.sql, key));
  }
  finishSend(id: string, outcome: SendOutcome, now: number): Promise<SendRow | undefined> {
    return this.lock.write(() => sends.finishSend(this.sql, id, outcome, now));
  }
  getMessageContext(wamid: string): Promise<MessageContext | undefined> {
    return this.lock.read(async () => (await sends.messageContexts(this.sql, [wamid])).get(wamid));
  }
  putMessageMetadata(wamid: string, metadata: BusinessMetadata, now: number): Promise<void> {
    return this.lock.write(() => sends.putMessageMetadata(this.sql, wamid, metadata, now));
  }
  findWamidsByMetadata(key: string, value: string, limit: number, afterWamid?: string): Promise<string[]> {
    return this.lock.read(() => sends.findWamidsByMetadata(this.sql, key, value, limit, afterWamid));
  }
  listSends(options: {
    states: readonly SendState[];
    createdBefore: number;
    limit: number;
    afterId?: string;
  }): Promise<SendRow[]> {
    return this.lock.read(() => sends.listSends(this.sql, options));
  }
  listScanWindow(options: { createdBefore: number; afterId: string; limit: number }): Promise<ScannedSend[]> {
    return this.lock.read(() => stuckScan.listScanWindow(this.sql, options));
  }
  listFlaggedSends(options: {
    beforeId: string;
    after: { stuckAt: number; id: string };
    limit: number;
  }): Promise<ScannedSend[]> {
    return this.lock.read(() => stuckScan.listFlaggedSends(this.sql, options));
  }
  setStuck(judgements: readonly StuckJudgement[], now: number): Promise<void> {
    return this.lock.write(() => sends.setStuck(this.sql, judgements, now));
  }
  listStuckSends(options: {
    limit: number;
    phoneNumberId?: string;
    before?: { stuckAt: number; id: string };
  }): Promise<StuckSend[]> {
    return this.lock.read(() => sends.listStuckSends(this.sql, options));
  }
}

export interface SqliteStoreOptions {
  /** WAHOOK_SQLITE_WAL_LIMIT: the WAL size the checkpoint thread keeps the file under. */
  walLimitBytes?: number;
  /** WAHOOK_DISK_RESERVE: free space under which new webhooks are refused. */
  diskReserveBytes?: number;
  /** False for a second store on the same file in this process: one checkpoint thread is enough. */
  checkpoint?: boolean;
}

export const DEFAULT_WAL_LIMIT_BYTES = 256 * 1024 ** 2;
export const DEFAULT_DISK_RESERVE_BYTES = 128 * 1024 ** 2;

export async function createSqliteStore(
  path: string,
  options: SqliteStoreOptions = {},
): Promise<SqliteStore> {
  return migratedOrClosed(new SqliteStore(path, options));
}
