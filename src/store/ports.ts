import type { DeliveryStore } from './delivery-ports.js';
import type { RetentionStore } from './retention-ports.js';
import type { SendProcessingTx, SendStore } from './send-ports.js';

/**
 * The store port: small capability interfaces, each declared for the stage that consumes it. The
 * SQLite and PostgreSQL adapters implement all of them; the contract suite in test/store-contract
 * runs the same tests against both. Every method is async (PostgreSQL is), and every write that a
 * caller waits for is durable when its promise resolves.
 */

export type { NewEvent } from '../events/json.js';
export type { InboxAppend, InboxRow, InboxState } from '../inbox/states.js';

import type { NewEvent } from '../events/json.js';
import type { InboxAppend, InboxRow, InboxState } from '../inbox/states.js';

export interface InboxStats {
  total: number;
  pending: number;
  quarantined: number;
  processed: number;
  /** receivedAt of the oldest pending row, or null. */
  oldestPendingAt: number | null;
}

export interface InboxAppender {
  /** Appends all rows in one transaction; resolves with their ids once durable, rejects if not. */
  appendInboxBatch(rows: readonly InboxAppend[]): Promise<number[]>;
}

/** An inbox row without its body, for lists. */
export type InboxSummary = Omit<InboxRow, 'body'> & { bodyBytes: number };

export interface InboxReader {
  getInboxRow(id: number): Promise<InboxRow | undefined>;
  /** Newest first; `beforeId` pages backwards. */
  listInbox(options: { state?: InboxState; limit: number; beforeId?: number }): Promise<InboxSummary[]>;
  inboxStats(): Promise<InboxStats>;
  /**
   * SQLite only: WAL pages written but not yet copied back into the database file, as the
   * checkpoint thread last saw them (0 before its first report). Absent on PostgreSQL.
   */
  walBacklogPages?(): number;
  /** SQLite only: the WAL file's size and the limit the checkpoint thread keeps it under. */
  walBytes?(): number;
  walLimitBytes?(): number | undefined;
  /** Bytes the store takes: the database and WAL files (SQLite), the database (PostgreSQL). */
  storeSizeBytes?(): Promise<number>;
  /** SQLite only: free bytes on the data folder's filesystem (undefined until read) and the reserve. */
  diskSpace?(): { freeBytes: number | undefined; reserveBytes: number } | undefined;
}

export interface ClaimOptions {
  owner: string;
  limit: number;
  leaseMs: number;
  now: number;
}

export interface InboxClaimer {
  /** Leases up to `limit` pending rows whose lease is free or expired, oldest first. */
  claimInbox(options: ClaimOptions): Promise<InboxRow[]>;
  /** Puts quarantined rows (all when `ids` is omitted) back to pending; answers how many. */
  requeueQuarantined(ids?: readonly number[]): Promise<number>;
}

/** A request that was not accepted, kept for troubleshooting in a bounded table. */
export interface RejectedRequest {
  receivedAt: number;
  method: string;
  path: string;
  status: number;
  /** Machine-readable reason, e.g. `signature_missing`, `signature_mismatch`, `body_too_large`. */
  reason: string;
  /** Human hints, e.g. "body has raw non-ASCII bytes: a proxy may have re-encoded it". */
  hints: string[];
  /** Redacted headers. */
  headers: Record<string, string>;
  /** What is kept of the body: its redacted shape (receive/rejected-redaction.ts), never raw bytes. */
  bodyPrefix: Buffer;
  bodyBytes: number;
  remoteAddress: string | null;
}

export interface RejectedRequestRow extends RejectedRequest {
  id: number;
}

export interface RejectedLog {
  /** Records rejected requests in one transaction and trims the table to about `maxRows`. */
  recordRejected(requests: readonly RejectedRequest[], maxRows: number): Promise<void>;
  listRejected(options: { limit: number; beforeId?: number }): Promise<RejectedRequestRow[]>;
}

export interface StoreHealth {
  /** Resolves when the store accepts a write right now; rejects with the reason otherwise. */
  checkWritable(): Promise<void>;
}

export interface StoreLifecycle {
  readonly dialect: 'sqlite' | 'postgres';
  /** Applies pending migrations; safe when several nodes start at once. */
  migrate(): Promise<void>;
  /** Flushes and closes every connection; later calls reject. */
  close(): Promise<void>;
  /**
   * A thread of this process that opened the same store exited (it may have died mid-write):
   * whatever it held of the process's shared state is let go. SQLite: its write turn.
   */
  threadExited(threadId: number): void;
}

/** A stored event: `seq` is its place in the log, the cursor of GET /v1/events. */
export interface StoredEvent extends NewEvent {
  seq: number;
}

export interface EventReader {
  /** Events with seq > afterSeq in seq order; only events whose transaction committed before any later one. */
  listEvents(options: { afterSeq: number; limit: number; types?: readonly string[] }): Promise<StoredEvent[]>;
  getEvent(id: string): Promise<StoredEvent | undefined>;
  /** The first `limit` events with this ordering key (`msg:<wamid>`…) in seq order, through an index. */
  listEventsByKey(orderingKey: string, limit: number): Promise<StoredEvent[]>;
  /** The seq of the newest event, 0 for an empty log: where a reader that wants only new events starts. */
  lastEventSeq(): Promise<number>;
}

/**
 * A message record as stored: the merged record (a pure function of its distinct updates) plus
 * arrival facts that are not part of the merge.
 */
export interface StoredMessage<R = unknown> {
  id: string;
  record: R;
  status: string;
  direction: string;
  phoneNumberId: string | null;
  firstSeenAt: number;
  updatedAt: number;
}

/**
 * What a store answers as a message's `record` when the stored text is not JSON (a hand edit;
 * SQLite does not check). It is answered rather than thrown, so the reader that needs the
 * record's history reports it for that one message instead of failing a whole list.
 */
export class RecordNotJson {
  constructor(readonly reason: string) {}
}

export interface MessageQuery {
  status?: string;
  phoneNumberId?: string;
  /** updatedAt ≥ since (ms). */
  since?: number;
  /**
   * The counterpart named in the first history entry: a phone number as digits (wa_id) or a BSUID
   * (user_id). Read through expression indexes (migration 014).
   */
  counterpart?: string;
  limit: number;
  /** Paging: messages updated before this (updatedAt, id) pair. */
  before?: { updatedAt: number; id: string };
}

export interface MessageReader {
  getMessage(id: string): Promise<StoredMessage | undefined>;
  listMessages(query: MessageQuery): Promise<StoredMessage[]>;
}

/**
 * What one processing transaction may do. The processing stage runs all of it for one batch of
 * claimed inbox rows; either everything commits or nothing does, so a crash mid-batch leaves the
 * rows pending (their leases expire) and nothing half-written.
 */
export interface ProcessingTx extends SendProcessingTx {
  /** Current records for these wamids; on PostgreSQL the rows are locked until commit. */
  getMessages(ids: readonly string[]): Promise<Map<string, StoredMessage>>;
  putMessages(messages: readonly StoredMessage[]): Promise<void>;
  /** Inserts events whose id is new; returns the inserted ones with their seq (duplicates are skipped). */
  insertEvents(events: readonly NewEvent[]): Promise<StoredEvent[]>;
  /** Writes a delivery row per inserted event × matching subscription (the outbox). */
  enqueueDeliveries(events: readonly StoredEvent[], now: number): Promise<number>;
  /** Marks a claimed row done; false when this owner no longer holds the lease (another worker took it). */
  markInboxProcessed(inboxId: number, owner: string, now: number): Promise<boolean>;
  quarantineInbox(inboxId: number, owner: string, reason: string, now: number): Promise<boolean>;
  /** Both of the above for a whole batch in one statement; answers the ids this owner finished. */
  finishInboxRows(rows: readonly InboxFinish[], owner: string, now: number): Promise<Set<number>>;
}

/** How a claimed inbox row ends: processed, or quarantined with the reason. */
export interface InboxFinish {
  id: number;
  state: 'processed' | 'quarantined';
  error: string | null;
}

export interface ProcessingStore {
  withProcessingTx<T>(work: (tx: ProcessingTx) => Promise<T>): Promise<T>;
}

/** The whole store as the composition root sees it. Stages take only the slices they need. */
export interface Store
  extends InboxAppender,
    InboxReader,
    InboxClaimer,
    RejectedLog,
    StoreHealth,
    StoreLifecycle,
    EventReader,
    MessageReader,
    ProcessingStore,
    DeliveryStore,
    RetentionStore,
    SendStore,
    NodeWakeups {}

/**
 * Wake-ups across processes: PostgreSQL NOTIFYs after each inbox append so idle workers on other
 * nodes start at once, and after each processing commit that added events so delivery loops and
 * event streams on other nodes do. Optional: SQLite has one node, where the in-process signals
 * (lib/wakeups.ts) suffice.
 */
export interface NodeWakeups {
  onInboxAppended?(listener: () => void): () => void;
  onEventsAppended?(listener: () => void): () => void;
}
