import type { DataClass } from '../store/retention-ports.js';

/** How long each data class is kept, in ms; 0 keeps it forever. */
export type RetentionPolicy = Readonly<Record<DataClass, number>>;

export interface RetentionSettings {
  retentionInboxMs: number;
  retentionEventsMs: number;
  retentionMessagesMs: number;
  retentionDeliveriesMs: number;
  retentionRequestsMs: number;
  dedupeWindowMs: number;
}

export function retentionPolicy(settings: RetentionSettings): RetentionPolicy {
  return {
    inbox: settings.retentionInboxMs,
    events: settings.retentionEventsMs,
    messages: settings.retentionMessagesMs,
    deliveries: settings.retentionDeliveriesMs,
    requests: settings.retentionRequestsMs,
    dedupe: settings.dedupeWindowMs,
  };
}

/**
 * The order of a janitor run: deliveries before events (an event stays while a delivery of it
 * does, so their purge frees events for the same run), tombstones last (events write them).
 */
export const PURGE_ORDER: readonly DataClass[] = [
  'deliveries',
  'events',
  'inbox',
  'messages',
  'requests',
  'dedupe',
];
