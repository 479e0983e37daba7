import pg from 'pg';
import { WahookError } from '../../errors.js';
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
import { migratedOrClosed } from '../shared/migrated-or-closed.js';
import * as sends from '../shared/sends.js';
import type { SqlTxOps } from '../shared/sql-ops.js';
import * as stuckScan from '../shared/stuck-scan-reads.js';
import { describeTarget, type PostgresStoreOptions, poolConfig, withSession } from './connection.js';
import * as queue from './delivery-queue.js';
import * as deliveryReads from './delivery-reader.js';
import * as inbox from './inbox.js';
import { schemaLockKey } from './locks.js';
import { currentSchema, migrateSchema } from './migrate.js';
import { eventsChannel, inboxChannel, NotifyChannel } from './notify-channel.js';
import { PostgresProcessingTx } from './processing.js';
import * as reads from './reads.js';
import * as rejected from './rejected-log.js';
import * as retention from './retention.js';
import { sqlTxOps, withTransaction } from './sql.js';
import { QueueStatistics } from './statistics.js';
import * as subscriptions from './subscriptions.js';

/**
 * The shared store for more than one machine: any number of receivers and workers on one
 * PostgreSQL database (one schema, chosen by search_path). Every call borrows a connection from
 * this node's pool; see connection.ts for the timeouts that keep an outage from hanging callers.
 */
export class PostgresStore implements Store, DeliveryStore, RetentionStore {
  readonly dialect = 'postgres' as const;
  readonly pool: pg.Pool;
  private readonly inboxAppended: NotifyChannel;
  private readonly eventsAppended: NotifyChannel;
  private readonly statistics: QueueStatistics;
  private closed = false;
  /** Shared SQL on the pool (see shared/sql-ops.ts). */
  private readonly sql: SqlTxOps;

  constructor(
    readonly url: string,
    readonly schema: string,
    private readonly schemaKey: number,
    private readonly options: PostgresStoreOptions = {},
  ) {
    this.pool = new pg.Pool(poolConfig(url, options));
    this.sql = sqlTxOps(this.pool);
    // An idle connection that breaks (database restart, network cut) is dropped by the pool and
    // reported here; the next query opens a fresh one, and a query that fails reports the outage.
    this.pool.on('error', () => undefined);
    // A checked-out connection (a transaction) has no pool listener while it is lent, and a reset
    // then emits 'error' on the client itself: unheard, that event ends the process. The query in
    // flight fails with the same error, which is what reports it, so the event needs no handling.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
    this.inboxAppended = new NotifyChannel(this.pool, url, options, inboxChannel(schema));
    this.eventsAppended = new NotifyChannel(this.pool, url, options, eventsChannel(schema));
    this.statistics = new QueueStatistics(this.pool, schemaKey);
  }

  /** On a session of its own: waiting for another node's migration may outlast any query deadline. */
  async migrate(): Promise<void> {
    this.assertOpen();
    await withSession(this.url, this.options, (client) => migrateSchema(client, this.schema));
  }

  async appendInboxBatch(rows: readonly InboxAppend[]): Promise<number[]> {
    this.assertOpen();
    const ids = await inbox.appendInbox(this.pool, rows);
    if (ids.length > 0) this.inboxAppended.announce();
    return ids;
  }

  /**
   * Calls `listener` after inbox rows are appended on any node using this schema, and once after
   * a lost listening connection is restored. Returns the unsubscribe function.
   */
  onInboxAppended(listener: () => void): () => void {
    return this.inboxAppended.subscribe(listener);
  }

  /**
   * Calls `listener` after a processing transaction on any node using this schema committed new
   * events, and once after a lost listening connection is restored. Returns the unsubscribe function.
   */
  onEventsAppended(listener: () => void): () => void {
    return this.eventsAppended.subscribe(listener);
  }

  getInboxRow(id: number): Promise<InboxRow | undefined> {
    return inbox.getInboxRow(this.pool, id);
  }

  listInbox(options: { state?: InboxState; limit: number; beforeId?: number }): Promise<InboxSummary[]> {
    return inbox.listInbox(this.pool, options);
  }

  inboxStats(): Promise<InboxStats> {
    return inbox.inboxStats(this.pool);
  }

  async storeSizeBytes(): Promise<number> {
    const result = await this.pool.query<{ bytes: string }>(
      'SELECT pg_database_size(current_database())::text AS bytes',
    );
    return Number(result.rows[0]?.bytes ?? 0);
  }

  async claimInbox(options: ClaimOptions): Promise<InboxRow[]> {
    // A failed check is reported by the claim itself when the database is the problem.
    await this.statistics.refreshIfStale().catch(() => undefined);
    return inbox.claimInbox(this.pool, options);
  }

  requeueQuarantined(ids?: readonly number[]): Promise<number> {
    return inbox.requeueQuarantined(this.pool, ids);
  }

  recordRejected(requests: readonly RejectedRequest[], maxRows: number): Promise<void> {
    return rejected.recordRejected(this.pool, requests, maxRows);
  }

  listRejected(options: { limit: number; beforeId?: number }): Promise<RejectedRequestRow[]> {
    return rejected.listRejected(this.pool, options);
  }

  async withProcessingTx<T>(work: (tx: ProcessingTx) => Promise<T>): Promise<T> {
    this.assertOpen();
    let tx: PostgresProcessingTx | undefined;
    const result = await withTransaction(this.pool, (client) => {
      tx = new PostgresProcessingTx(client, this.schema, this.schemaKey);
      return work(tx);
    });
    if (tx?.insertedEvents) this.eventsAppended.announce();
    return result;
  }

  listEvents(options: {
    afterSeq: number;
    limit: number;
    types?: readonly string[];
  }): Promise<StoredEvent[]> {
    return reads.listEvents(this.pool, options);
  }

  getEvent(id: string): Promise<StoredEvent | undefined> {
    return reads.getEvent(this.pool, id);
  }

  listEventsByKey(orderingKey: string, limit: number): Promise<StoredEvent[]> {
    return reads.listEventsByKey(this.pool, orderingKey, limit);
  }

  lastEventSeq(): Promise<number> {
    return reads.lastEventSeq(this.pool);
  }

  getMessage(id: string): Promise<StoredMessage | undefined> {
    return reads.getMessage(this.pool, id);
  }

  listMessages(query: MessageQuery): Promise<StoredMessage[]> {
    return reads.listMessages(this.pool, query);
  }

  threadExited(_threadId: number): void {
    // Nothing is shared between the threads of a process here: each has its own pool.
  }

  /**
   * A ROW EXCLUSIVE lock on the inbox is what an append takes first: it fails on a read-only
   * server (a standby after failover, default_transaction_read_only) and waits, within the
   * statement timeout, behind anything that would block appends. It writes nothing.
   */
  async checkWritable(): Promise<void> {
    this.assertOpen();
    await withTransaction(this.pool, (client) => client.query('LOCK TABLE inbox IN ROW EXCLUSIVE MODE'));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.inboxAppended.close(), this.eventsAppended.close()]);
    await this.pool.end();
  }

  // retention and erasure
  purgeBatch(batch: PurgeBatch): Promise<number> {
    this.assertOpen();
    return retention.purgeBatch(this.pool, batch);
  }

  oldestRowTimes(): Promise<Record<DataClass, number | null>> {
    return retention.oldestRowTimes(this.pool);
  }

  erasePerson(person: PersonRef, now: number): Promise<ErasureCounts> {
    this.assertOpen();
    return erasePersonWith(this.erasureOps(), person, now);
  }

  /** The statements an erasure runs here; erasePerson drives them with the shared erasure code. */
  erasureOps(): ErasureOps {
    return retention.erasureOps(this.pool);
  }

  listErasures(limit: number): Promise<ErasureLogEntry[]> {
    return retention.listErasures(this.pool, limit);
  }

  // ⑤ delivery
  createSubscription(input: NewSubscription): Promise<Subscription> {
    return subscriptions.createSubscription(this.pool, input);
  }

  getSubscription(id: string): Promise<Subscription | undefined> {
    return subscriptions.getSubscription(this.pool, id);
  }

  listSubscriptions(): Promise<Subscription[]> {
    return subscriptions.listSubscriptions(this.pool);
  }

  updateSubscription(id: string, patch: SubscriptionPatch, now: number): Promise<Subscription | undefined> {
    return withTransaction(this.pool, (client) => subscriptions.updateSubscription(client, id, patch, now));
  }

  deleteSubscription(id: string): Promise<boolean> {
    return subscriptions.deleteSubscription(this.pool, id);
  }

  syncFileSubscriptions(
    list: readonly FileSubscription[],
    now: number,
    newSecret: () => string,
  ): Promise<FileSyncResult> {
    return withTransaction(this.pool, (client) =>
      subscriptions.syncFileSubscriptions(client, list, now, newSecret, this.schemaKey),
    );
  }

  async claimDeliveries(claim: DeliveryClaim): Promise<ClaimedDelivery[]> {
    await this.statistics.refreshIfStale().catch(() => undefined);
    return queue.claimDeliveries(this.pool, claim);
  }

  recordDeliveryAttempts(entries: readonly RecordedAttempt[]): Promise<boolean[]> {
    return withTransaction(this.pool, (client) => queue.recordDeliveryAttempts(client, entries));
  }

  deferDeliveries(entries: readonly DeferredDelivery[]): Promise<void> {
    return queue.deferDeliveries(this.pool, entries);
  }

  deliveryQueueStats(now: number): Promise<DeliveryQueueStats> {
    return queue.deliveryQueueStats(this.pool, now);
  }

  listDeadLetters(query: DeadLetterFilter & { afterId?: number; limit: number }): Promise<DeadLetter[]> {
    return deadLetters.listDeadLetters(this.sql, query);
  }

  getDeadLetter(id: number): Promise<(DeadLetter & { attemptLog: DeliveryAttempt[] }) | undefined> {
    return deadLetters.getDeadLetter(this.sql, id);
  }

  replayDeadLetters(selector: DeadLetterSelector, options: ReplayOptions): Promise<number> {
    return deadLetters.replayDeadLetters(this.sql, selector, options);
  }

  listDeliveries(query: DeliveryListQuery): Promise<DeliveryListing[]> {
    return deliveryReads.listDeliveries(this.pool, query);
  }

  subscriptionBacklogs(): Promise<SubscriptionBacklog[]> {
    return deliveryReads.subscriptionBacklogs(this.pool);
  }

  matchDeadLetters(selector: DeadLetterSelector, limit: number): Promise<DeadLetterMatch[]> {
    return deadLetters.matchDeadLetters(this.sql, selector, limit);
  }

  listEventDeliveries(eventSeqs: readonly number[], limit: number): Promise<EventDelivery[]> {
    return deliveryReads.listEventDeliveries(this.pool, eventSeqs, limit);
  }

  setSubscriptionPaused(id: string, paused: boolean, now: number): Promise<Subscription | undefined> {
    return deliveryReads.setSubscriptionPaused(this.pool, id, paused, now);
  }

  // ---- sends and message context (src/store/send-ports.ts) ----
  createSend(send: NewSend): Promise<{ created: boolean; send: SendRow }> {
    return sends.createSend(this.sql, send);
  }

  getSend(id: string): Promise<SendRow | undefined> {
    return sends.getSend(this.sql, id);
  }

  getSendByIdempotencyKey(key: string): Promise<SendRow | undefined> {
    return sends.getSendByIdempotencyKey(this.sql, key);
  }

  finishSend(id: string, outcome: SendOutcome, now: number): Promise<SendRow | undefined> {
    return sends.finishSend(this.sql, id, outcome, now);
  }

  async getMessageContext(wamid: string): Promise<MessageContext | undefined> {
    return (await sends.messageContexts(this.sql, [wamid])).get(wamid);
  }

  putMessageMetadata(wamid: string, metadata: BusinessMetadata, now: number): Promise<void> {
    return sends.putMessageMetadata(this.sql, wamid, metadata, now);
  }

  findWamidsByMetadata(key: string, value: string, limit: number, afterWamid?: string): Promise<string[]> {
    return sends.findWamidsByMetadata(this.sql, key, value, limit, afterWamid);
  }

  listSends(options: {
    states: readonly SendState[];
    createdBefore: number;
    limit: number;
    afterId?: string;
  }): Promise<SendRow[]> {
    return sends.listSends(this.sql, options);
  }
  listScanWindow(options: { createdBefore: number; afterId: string; limit: number }): Promise<ScannedSend[]> {
    return stuckScan.listScanWindow(this.sql, options);
  }
  listFlaggedSends(options: {
    beforeId: string;
    after: { stuckAt: number; id: string };
    limit: number;
  }): Promise<ScannedSend[]> {
    return stuckScan.listFlaggedSends(this.sql, options);
  }
  setStuck(judgements: readonly StuckJudgement[], now: number): Promise<void> {
    return sends.setStuck(this.sql, judgements, now);
  }
  listStuckSends(options: {
    limit: number;
    phoneNumberId?: string;
    before?: { stuckAt: number; id: string };
  }): Promise<StuckSend[]> {
    return sends.listStuckSends(this.sql, options);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('store is closed');
  }
}

/**
 * Connects, checks that commits are durable, applies pending migrations and returns the store.
 * Unreachable databases and bad settings fail here with an error that names the fix.
 */
export async function createPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<PostgresStore> {
  const { schema, synchronousCommit } = await inspectDatabase(url, options);
  if (synchronousCommit === 'off') {
    throw new WahookError('config_invalid', `synchronous_commit is off in ${describeTarget(url)}`, {
      hint: 'wahook answers 200 only for webhooks that survive a crash: run ALTER DATABASE <name> SET synchronous_commit = on (or remove the override) and start again.',
    });
  }
  return migratedOrClosed(new PostgresStore(url, schema, schemaLockKey(schema), options));
}

async function inspectDatabase(
  url: string,
  options: PostgresStoreOptions,
): Promise<{ schema: string; synchronousCommit: string }> {
  return withSession(url, options, async (client) => {
    const schema = await currentSchema(client, url);
    const setting = await client.query<{ value: string }>(
      "SELECT current_setting('synchronous_commit') AS value",
    );
    return { schema, synchronousCommit: setting.rows[0]?.value ?? 'on' };
  });
}
