import type { WahookEvent } from '../events/types.js';
import type { StoredEvent } from '../store/ports.js';

/**
 * The JSON a business system receives for an event, by push (with its per-subscription `sequence`)
 * and by the SSE stream (without: the stream's cursor is the event's place in the log).
 */
export type EventJson = WahookEvent<unknown>;

export function eventJson(event: StoredEvent, sequence?: number): EventJson {
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
