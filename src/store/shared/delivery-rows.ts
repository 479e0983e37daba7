import type {
  AttemptRecord,
  ClaimedDelivery,
  DeadLetter,
  DeliveryAttempt,
  DeliveryClaim,
  DeliveryLane,
  DeliveryListing,
  EventDelivery,
  Subscription,
  SubscriptionSource,
} from '../delivery-ports.js';
import { type EventRecord, toStoredEvent } from './event-rows.js';

/** Row mappers and claim rules for the delivery tables, shared by both adapters (same column names). */

/** The finished_at of a delivery its attempt moved out of pending: when the answer came. */
export function finishedAt(attempt: AttemptRecord): number {
  return attempt.attemptedAt + Math.round(attempt.latencyMs);
}

export interface SubscriptionRecord {
  id: string;
  url: string;
  events: string;
  phone_number_ids: string | null;
  secret: string;
  headers: string;
  description: string | null;
  enabled: number;
  disabled_reason: string | null;
  paused_at: number | string | null;
  batch_max_events: number | null;
  batch_max_wait_ms: number | null;
  source: string;
  created_at: number;
  updated_at: number;
}

export function toSubscription(record: SubscriptionRecord): Subscription {
  return {
    id: record.id,
    url: record.url,
    events: JSON.parse(record.events) as string[],
    phoneNumberIds:
      record.phone_number_ids === null ? null : (JSON.parse(record.phone_number_ids) as string[]),
    secret: record.secret,
    headers: JSON.parse(record.headers) as Record<string, string>,
    description: record.description,
    enabled: record.enabled === 1,
    disabledReason: record.disabled_reason,
    pausedAt: record.paused_at === null || record.paused_at === undefined ? null : Number(record.paused_at),
    batch:
      record.batch_max_events === null || record.batch_max_events === undefined
        ? null
        : { maxEvents: record.batch_max_events, maxWaitMs: record.batch_max_wait_ms ?? 0 },
    source: record.source as SubscriptionSource,
    createdAt: record.created_at,
    updatedAt: record.updated_at,
  };
}

export interface DeadLetterRecord {
  id: number;
  event_id: string;
  event_type: string;
  subscription_id: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  finished_at: number;
}

export function toDeadLetter(record: DeadLetterRecord): DeadLetter {
  return {
    id: record.id,
    eventId: record.event_id,
    eventType: record.event_type,
    subscriptionId: record.subscription_id,
    attempts: record.attempts,
    lastStatus: record.last_status,
    lastError: record.last_error,
    deadAt: record.finished_at,
  };
}

export interface AttemptRow {
  id: number;
  attempted_at: number;
  outcome: string;
  status: number | null;
  latency_ms: number;
  response_prefix: string | null;
  error: string | null;
}

export function toDeliveryAttempt(row: AttemptRow): DeliveryAttempt {
  return {
    id: row.id,
    attemptedAt: row.attempted_at,
    outcome: row.outcome as DeliveryAttempt['outcome'],
    status: row.status,
    latencyMs: row.latency_ms,
    responsePrefix: row.response_prefix,
    error: row.error,
  };
}

export function toLane(value: string): DeliveryLane {
  return value === 'replay' ? 'replay' : 'live';
}

/**
 * How many due rows a claim reads of one subscription: as many as its free slots (never more than
 * the claim wants), none when its window is full. The claim picks no more rows than that anyway
 * (pickClaim), so reading four times as many, as it once did, cost 12 % more CPU per delivery
 * (bench:deliver) for rows, each joined with its event, that were thrown away. Both
 * adapters read each subscription's rows on their own, through an index that starts with the
 * subscription, so a full subscription's backlog costs a claim nothing; read in one due-ordered
 * scan, it was read whole on every claim and a backlog of thousands kept the event loop busy.
 */
function scanSize(free: number, claim: DeliveryClaim): number {
  return Math.max(0, Math.min(free, claim.limit));
}

/** scanSize of every subscription the claim names, and of the ones it does not (their default). */
export function scanSizes(claim: DeliveryClaim): { known: Map<string, number>; otherwise: number } {
  const known = new Map([...claim.slots].map(([id, free]) => [id, scanSize(free, claim)]));
  return { known, otherwise: scanSize(claim.defaultSlots, claim) };
}

/**
 * The scan size of subscription row `s` in SQL, from its scanSize (`base`) and the claim's lane
 * (`lane`): a batched subscription reads up to two batches' worth of rows in the live lane, one
 * when it has a single free slot (a slot holds a batch there). Written into the claim's own query
 * on both stores, so the batch settings are read with the rows, never from a copy, and cost no
 * round trip of their own.
 */
export function scanSizeSql(base: string, lane: string): string {
  return `CASE WHEN ${lane} = 'live' AND s.batch_max_events IS NOT NULL
      THEN (CASE WHEN ${base} < 2 THEN ${base} ELSE 2 END) * s.batch_max_events
      ELSE ${base} END`;
}

/** The candidates of several subscriptions in one due order: oldest due first, then by id. */
export function inDueOrder(candidates: readonly CandidateRecord[]): CandidateRecord[] {
  return [...candidates].sort(
    (a, b) => Number(a.next_attempt_at) - Number(b.next_attempt_at) || a.delivery_id - b.delivery_id,
  );
}

/** A due delivery joined with its subscription and event, as both adapters' claim queries read it. */
export interface CandidateRecord extends EventRecord {
  delivery_id: number;
  subscription_id: string;
  lane: string;
  attempts: number;
  sequence: number;
  next_attempt_at: number | string;
  delivery_created_at: number;
  url: string;
  secret: string;
  headers: string;
  /** The batch it was sent in (a retried batch), or null. */
  batch_id: string | null;
  /** The subscription's batch policy; null when it is not batched. */
  batch_max_events: number | null;
  batch_max_wait_ms: number | null;
}

export function toClaimed(record: CandidateRecord, batchId: string | null): ClaimedDelivery {
  return {
    id: record.delivery_id,
    lane: toLane(record.lane),
    attempts: record.attempts,
    sequence: record.sequence,
    createdAt: record.delivery_created_at,
    batchId,
    event: toStoredEvent(record),
    subscription: {
      id: record.subscription_id,
      url: record.url,
      secret: record.secret,
      headers: JSON.parse(record.headers) as Record<string, string>,
    },
  };
}

/** Dead letters are deliveries in state 'dead'; both adapters list them with these columns. */
export const DEAD_LETTER_COLUMNS = `d.id, d.event_id, e.type AS event_type, d.subscription_id, d.attempts,
  d.last_status, d.last_error, d.finished_at`;

/** Columns of a pending or dead delivery for GET /v1/deliveries (deliveries `d` joined to events `e`). */
export const LISTING_COLUMNS = `d.id, d.event_id, e.type AS event_type, d.subscription_id, d.state, d.lane,
  d.attempts, d.last_status, d.last_error, d.next_attempt_at, d.created_at, d.finished_at, d.batch_id`;

export interface ListingRecord {
  id: number;
  event_id: string;
  event_type: string;
  subscription_id: string;
  state: string;
  lane: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: number;
  created_at: number;
  finished_at: number | null;
  batch_id: string | null;
}

export function toDeliveryListing(record: ListingRecord): DeliveryListing {
  const pending = record.state === 'pending';
  return {
    id: Number(record.id),
    eventId: record.event_id,
    eventType: record.event_type,
    subscriptionId: record.subscription_id,
    state: pending ? 'pending' : 'dead',
    lane: toLane(record.lane),
    attempts: record.attempts,
    lastStatus: record.last_status,
    lastError: record.last_error,
    nextAttemptAt: pending ? Number(record.next_attempt_at) : null,
    createdAt: Number(record.created_at),
    deadAt: pending || record.finished_at === null ? null : Number(record.finished_at),
    batchId: record.batch_id ?? null,
  };
}

/** Columns of a delivery of an event, in any state (deliveries `d`). */
export const EVENT_DELIVERY_COLUMNS = `d.id, d.event_id, d.subscription_id, d.state, d.attempts, d.last_status,
  d.last_error, d.next_attempt_at, d.finished_at`;

export interface EventDeliveryRecord {
  id: number;
  event_id: string;
  subscription_id: string;
  state: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: number | string;
  finished_at: number | string | null;
}

export function toEventDelivery(record: EventDeliveryRecord): EventDelivery {
  const state = record.state === 'succeeded' || record.state === 'dead' ? record.state : 'pending';
  return {
    id: Number(record.id),
    eventId: record.event_id,
    subscriptionId: record.subscription_id,
    state,
    attempts: record.attempts,
    lastStatus: record.last_status,
    lastError: record.last_error,
    nextAttemptAt: state === 'pending' ? Number(record.next_attempt_at) : null,
    finishedAt: record.finished_at === null ? null : Number(record.finished_at),
  };
}
