/**
 * ⑤ The store capabilities the delivery stage consumes: subscriptions, the delivery queue (claim
 * with a lease, record an attempt and its transition), dead letters and replay. Deliveries are
 * written by the processing transaction (ProcessingTx.enqueueDeliveries, in ports.ts); the states
 * and their transitions are described in src/deliver/delivery-states.ts.
 */
import type { StoredEvent } from './ports.js';

export type SubscriptionSource = 'api' | 'file';

export interface SubscriptionSpec {
  url: string;
  /** Event types; `*` matches every type, `message.*` every type with that prefix. */
  events: string[];
  /** Business phone number ids whose events this subscription receives; null for all. */
  phoneNumberIds: string[] | null;
  /** Extra request headers sent with every delivery (never the `webhook-*` ones). */
  headers: Record<string, string>;
  description: string | null;
  enabled: boolean;
  /** Several events per POST (docs/consuming-events.md, "Batches"); absent or null: one per POST. */
  batch?: BatchPolicy | null;
}

/** A batched subscription's limits: a batch goes out full, or once its oldest due delivery waited `maxWaitMs`. */
export interface BatchPolicy {
  maxEvents: number;
  maxWaitMs: number;
}

export interface NewSubscription extends SubscriptionSpec {
  id: string;
  /** `whsec_` + base64 of the key (Standard Webhooks). */
  secret: string;
  source: SubscriptionSource;
  now: number;
}

export interface Subscription extends SubscriptionSpec {
  id: string;
  batch: BatchPolicy | null;
  secret: string;
  source: SubscriptionSource;
  disabledReason: string | null;
  /** When an operator paused it (deliveries wait as pending, none is sent), or null. */
  pausedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface SubscriptionPatch extends Partial<SubscriptionSpec> {
  secret?: string;
}

export interface SubscriptionStore {
  createSubscription(subscription: NewSubscription): Promise<Subscription>;
  getSubscription(id: string): Promise<Subscription | undefined>;
  listSubscriptions(): Promise<Subscription[]>;
  /**
   * Changes the given fields. Disabling turns the subscription's pending deliveries into dead letters
   * (as disabled by an operator); enabling clears the reason. Undefined when there is no such
   * subscription.
   */
  updateSubscription(id: string, patch: SubscriptionPatch, now: number): Promise<Subscription | undefined>;
  /**
   * Pauses (deliveries keep being queued, none is claimed) or resumes it; nothing becomes a dead
   * letter. Undefined when there is no such subscription.
   */
  setSubscriptionPaused(id: string, paused: boolean, now: number): Promise<Subscription | undefined>;
  /** Removes it with its deliveries, attempts and dead letters; false when it did not exist. */
  deleteSubscription(id: string): Promise<boolean>;
  /**
   * Makes the `file` subscriptions match the file: creates or updates each one given (a null secret
   * keeps the stored one, or takes `newSecret()` on create), disables the ones no longer listed.
   */
  syncFileSubscriptions(
    subscriptions: readonly FileSubscription[],
    now: number,
    newSecret: () => string,
  ): Promise<FileSyncResult>;
}

/**
 * Whether a subscription wants an event: its type matches one of the patterns (`*`, an exact type,
 * or `prefix.*`), and its phone number filter, if any, lists the event's business number. Both
 * adapters call this one definition.
 */
export function subscriptionMatches(
  subscription: Pick<SubscriptionSpec, 'events' | 'phoneNumberIds'>,
  event: Pick<StoredEvent, 'type' | 'phoneNumberId'>,
): boolean {
  const typeMatches = subscription.events.some(
    (pattern) =>
      pattern === '*' ||
      pattern === event.type ||
      (pattern.endsWith('.*') && event.type.startsWith(pattern.slice(0, -1))),
  );
  if (!typeMatches) return false;
  if (subscription.phoneNumberIds === null) return true;
  return event.phoneNumberId !== null && subscription.phoneNumberIds.includes(event.phoneNumberId);
}

export interface FileSubscription extends SubscriptionSpec {
  id: string;
  secret: string | null;
}

export interface FileSyncResult {
  created: string[];
  updated: string[];
  disabled: string[];
}

export const DELIVERY_LANES = ['live', 'replay'] as const;
export type DeliveryLane = (typeof DELIVERY_LANES)[number];

export interface DeliveryClaim {
  owner: string;
  now: number;
  leaseMs: number;
  lane: DeliveryLane;
  limit: number;
  /** Free concurrency slots per subscription; a subscription not in the map has `defaultSlots`. */
  slots: ReadonlyMap<string, number>;
  defaultSlots: number;
}

/** A leased delivery with what an attempt needs: the event, and where and how to send it. */
export interface ClaimedDelivery {
  id: number;
  lane: DeliveryLane;
  /** Completed attempts before this one. */
  attempts: number;
  sequence: number;
  createdAt: number;
  /**
   * The batch it goes out in (its webhook-id), or null when it is sent alone. The claim hands out
   * a batch's members together, in the order they go in the array (src/store/shared/delivery-batches.ts).
   */
  batchId: string | null;
  event: StoredEvent;
  subscription: Pick<Subscription, 'id' | 'url' | 'secret' | 'headers'>;
}

export type AttemptOutcomeKind =
  | 'success'
  | 'http_error'
  | 'gone'
  | 'redirect'
  | 'timeout'
  | 'connection_error'
  /** Older versions only: an open breaker once answered for the endpoint. Nothing writes it now. */
  | 'circuit_open';

export interface AttemptRecord {
  attemptedAt: number;
  outcome: AttemptOutcomeKind;
  status: number | null;
  latencyMs: number;
  /** At most 1 KiB of the answer. */
  responsePrefix: string | null;
  error: string | null;
}

/** Where the delivery goes after an attempt (see src/deliver/delivery-states.ts). */
export type DeliveryNext =
  | { state: 'succeeded' }
  | { state: 'pending'; nextAttemptAt: number }
  | {
      state: 'dead';
      error: string;
      /**
       * Set when the answer means the subscription stopped receiving (410 Gone): the reason it is
       * disabled with, in the same transaction as this attempt, its pending deliveries dead-lettered.
       */
      disableSubscription?: string;
    };

export interface RecordedAttempt {
  deliveryId: number;
  owner: string;
  attempt: AttemptRecord;
  next: DeliveryNext;
}

/** A claimed delivery put back unsent until `nextAttemptAt`: no attempt, nothing counted. */
export interface DeferredDelivery {
  deliveryId: number;
  owner: string;
  nextAttemptAt: number;
}

export interface DeliveryQueueStats {
  /** Pending deliveries of enabled subscriptions that are due now. */
  due: number;
  pending: number;
  dead: number;
  /** next_attempt_at of the oldest due delivery, or null. */
  oldestDueAt: number | null;
}

export interface DeliveryQueue {
  /**
   * Leases up to `limit` due pending deliveries of enabled subscriptions in `lane`, earliest due
   * first, at most the free slots per subscription, and only the first pending delivery of each
   * (subscription, ordering key) so that a key's events go out in order. For a batched
   * subscription in the live lane, `limit` and the slots count batches, and a batch is handed out
   * only when it is full or its oldest member has waited the subscription's max wait.
   */
  claimDeliveries(claim: DeliveryClaim): Promise<ClaimedDelivery[]>;
  /**
   * Stores each attempt and moves its delivery, all in one transaction (group commit: one fsync
   * for every attempt that finished meanwhile). A move applies only while `owner` holds the lease;
   * a success applies whenever the row is still pending (it is true whoever holds it). A move that
   * disables the subscription (`disableSubscription`) disables it in that same transaction, whoever
   * holds the lease, and dead-letters its other pending deliveries. Answers, per entry, whether the
   * move applied.
   */
  recordDeliveryAttempts(entries: readonly RecordedAttempt[]): Promise<boolean[]>;
  /**
   * Releases leased deliveries without an attempt (the subscription's breaker opened before they
   * were sent): their lease ends and their next attempt moves to `nextAttemptAt`; `attempts` and
   * the attempt log stay as they were. Applies only while `owner` holds the lease.
   */
  deferDeliveries(entries: readonly DeferredDelivery[]): Promise<void>;
  deliveryQueueStats(now: number): Promise<DeliveryQueueStats>;
}

export interface DeadLetter {
  id: number;
  eventId: string;
  eventType: string;
  subscriptionId: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  deadAt: number;
}

export interface DeadLetterFilter {
  subscriptionId?: string;
  /** finished_at ≥ since (ms). */
  since?: number;
  /** Substring of the last error, case-insensitive. */
  errorContains?: string;
}

export interface DeliveryAttempt extends AttemptRecord {
  id: number;
}

export interface DeadLetterStore {
  listDeadLetters(query: DeadLetterFilter & { afterId?: number; limit: number }): Promise<DeadLetter[]>;
  getDeadLetter(id: number): Promise<(DeadLetter & { attemptLog: DeliveryAttempt[] }) | undefined>;
  /**
   * Moves dead letters (of enabled subscriptions) back to pending in the replay lane with a fresh
   * retry budget; the event id stays the same. `ids` or the filter selects them; `limit` caps one
   * call. With `dryRun` nothing changes. Answers how many (would) move.
   */
  replayDeadLetters(selector: DeadLetterSelector, options: ReplayOptions): Promise<number>;
}

export type DeadLetterSelector = { ids: readonly number[] } | DeadLetterFilter;

export interface ReplayOptions {
  now: number;
  dryRun: boolean;
  limit?: number;
}

/** The states GET /v1/deliveries lists: the ones an operator may have to act on. */
export const LISTED_DELIVERY_STATES = ['pending', 'dead'] as const;
export type ListedDeliveryState = (typeof LISTED_DELIVERY_STATES)[number];

/** A pending or dead delivery as an operator reads it. */
export interface DeliveryListing {
  id: number;
  eventId: string;
  eventType: string;
  subscriptionId: string;
  state: ListedDeliveryState;
  lane: DeliveryLane;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  /** Pending only: when the next attempt is due. */
  nextAttemptAt: number | null;
  createdAt: number;
  /** Dead only: when it became a dead letter. */
  deadAt: number | null;
  /** The batch it was last sent in (the webhook-id the subscriber saw), or null when sent alone. */
  batchId: string | null;
}

export interface DeliveryListQuery {
  state: ListedDeliveryState;
  subscriptionId?: string;
  /** Keyset paging: rows with a larger id, in id order. */
  afterId?: number;
  limit: number;
}

export interface SubscriptionBacklog {
  subscriptionId: string;
  pending: number;
  /** created_at of its oldest pending delivery, or null when none is pending. */
  oldestPendingAt: number | null;
  dead: number;
}

/** How many dead letters a replay selector matches per subscription, whatever the subscription's state. */
export interface DeadLetterMatch {
  subscriptionId: string;
  count: number;
}

/** A delivery of one event, in any state, for a message's page. */
export interface EventDelivery {
  id: number;
  eventId: string;
  subscriptionId: string;
  state: 'pending' | 'succeeded' | 'dead';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  /** Pending only. */
  nextAttemptAt: number | null;
  finishedAt: number | null;
}

export interface DeliveryReader {
  /** The deliveries of these events (by seq), at most `limit`, in id order. */
  listEventDeliveries(eventSeqs: readonly number[], limit: number): Promise<EventDelivery[]>;
  /** Read through indexes that leave succeeded rows out: bounded by `limit`, never a scan of the history. */
  listDeliveries(query: DeliveryListQuery): Promise<DeliveryListing[]>;
  /** Subscriptions with pending or dead deliveries; the counts read only unfinished rows. */
  subscriptionBacklogs(): Promise<SubscriptionBacklog[]>;
  /** The dead letters `selector` picks, counted per subscription (at most `limit` rows read). */
  matchDeadLetters(selector: DeadLetterSelector, limit: number): Promise<DeadLetterMatch[]>;
}

export type DeliveryStore = SubscriptionStore & DeliveryQueue & DeadLetterStore & DeliveryReader;
