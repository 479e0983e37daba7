import type { EventEnvelope } from './types.js';

/**
 * The JSON a business system receives for an event, by push (with its per-subscription `sequence`)
 * and by the SSE stream (without: the stream's cursor is the event's place in the log).
 */
export type EventJson = EventEnvelope;

/** ④ An event as the processing stage creates it. `id` is deterministic: the same update, the same id. */
export interface NewEvent {
  id: string;
  type: string;
  schemaVersion: number;
  createdAt: number;
  /** Per-message (wamid) or per-conversation key; deliveries with the same key keep event order. */
  orderingKey: string;
  phoneNumberId: string | null;
  data: unknown;
}

export function eventJson(event: NewEvent, sequence?: number): EventJson {
  return {
    id: event.id,
    type: event.type,
    created_at: new Date(event.createdAt).toISOString(),
    schema_version: event.schemaVersion,
    ordering_key: event.orderingKey,
    phone_number_id: event.phoneNumberId,
    ...(sequence === undefined ? {} : { sequence }),
    data: event.data,
  };
}
