/**
 * The store capabilities of retention and erasure (src/retention/). The janitor removes one small
 * batch of one data class per call, oldest first; erasure finds one person's rows and removes or
 * rewrites them in one transaction. What each class may never lose is decided here, in SQL, so
 * both adapters keep the same promises (see docs/privacy.md):
 * - inbox: only rows that are processed or quarantined, by the time they got there; never pending;
 * - events: only events no delivery row refers to any more (a pending delivery or a dead letter
 *   that may be replayed keeps its event), and each one leaves a dedupe tombstone behind;
 * - deliveries: only succeeded or dead ones, by the time they finished (attempts go with them);
 * - messages: records not updated since the cutoff; requests: the rejected-request log;
 * - dedupe: tombstones older than the dedupe window.
 */
export const DATA_CLASSES = ['inbox', 'events', 'messages', 'deliveries', 'requests', 'dedupe'] as const;
export type DataClass = (typeof DATA_CLASSES)[number];

export interface PurgeBatch {
  dataClass: DataClass;
  /** Rows last touched before this (ms since the epoch) may go. */
  cutoff: number;
  limit: number;
  /** Written into the tombstones of purged events. */
  now: number;
}

/** The person an erasure is about: a phone number as Meta writes it (wa_id) or a BSUID (user_id). */
export type PersonRef = { kind: 'wa_id'; value: string } | { kind: 'user_id'; value: string };

export interface ErasureCounts {
  messages: number;
  events: number;
  deliveries: number;
  inbox_deleted: number;
  inbox_redacted: number;
  requests: number;
  /** Sends through POST /v1/messages to the person, with their business metadata. */
  sends: number;
  /**
   * Subscriber answers recorded for deliveries of other events (attempt response prefixes and
   * errors, last errors of pending deliveries and dead letters) that quoted the person: cleared,
   * while the delivery and its attempts stay.
   */
  answers_redacted: number;
  /**
   * Business metadata of other messages and sends that named the person (PUT /v1/messages/{wamid}/metadata,
   * a send's `metadata`): rewritten without the fields and items that did, the rest kept.
   */
  metadata_redacted: number;
  /**
   * Quarantine reasons of inbox rows that stay (`error`: a reason quotes keys and values of the
   * body, a control character's field with its value) that held the identifier: replaced by
   * `[reason erased]`, the row and its state kept.
   */
  inbox_errors_redacted: number;
  /**
   * Messages of sends to other people whose texts gave the person's number (in any international
   * spelling) or BSUID: each mention replaced by `[erased]`, the send and the rest kept.
   */
  send_messages_redacted: number;
}

export interface ErasureLogEntry {
  id: number;
  erasedAt: number;
  kind: PersonRef['kind'];
  counts: ErasureCounts;
}

export interface RetentionStore {
  /** Deletes at most `limit` rows of the class; answers how many went. */
  purgeBatch(batch: PurgeBatch): Promise<number>;
  /** The time each class's oldest removable-by-age row ages from, or null when the class is empty. */
  oldestRowTimes(): Promise<Record<DataClass, number | null>>;
  /** Removes every stored trace of the person and logs the counts (never the person). */
  erasePerson(person: PersonRef, now: number): Promise<ErasureCounts>;
  listErasures(limit: number): Promise<ErasureLogEntry[]>;
}
