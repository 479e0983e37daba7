import type { BusEventName } from '../observe/bus.js';

/** What the main thread and the background thread say to each other. */
export type ToBackground = { kind: 'inbox' } | { kind: 'wake_delivery' } | { kind: 'stop' };

export type FromBackground =
  | { kind: 'started' }
  | { kind: 'stopped' }
  | { kind: 'bus'; events: [BusEventName, unknown][] };
