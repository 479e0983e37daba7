import type {
  DeadLetter,
  DeliveryAttempt,
  DeliveryLane,
  Subscription,
  SubscriptionSource,
} from '../delivery-ports.js';

/** Row mappers for the delivery tables (column names as in sql/sqlite/003_delivery.sql). */
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
