import type { Wakeup } from '../lib/wakeups.js';
import type { BusEventName } from '../observe/bus.js';

/** What the main thread and the background thread say to each other. */
export type ToBackground = { kind: 'wakeup'; signal: Wakeup } | { kind: 'stop' };

export type FromBackground =
  | { kind: 'started' }
  | { kind: 'stopped' }
  | { kind: 'bus'; events: [BusEventName, unknown][] }
  | { kind: 'wakeup'; signal: Wakeup };

/**
 * The wake-ups each side passes on. The thread runs the worker and the delivery loop, so it hears
 * of appends and replays; the main thread serves the event streams, so it hears of new events.
 * Each side passes on only what it committed, so no signal goes round in a circle.
 */
export const WAKEUPS_TO_BACKGROUND: readonly Wakeup[] = ['inbox:appended', 'dead_letters:replayed'];
export const WAKEUPS_FROM_BACKGROUND: readonly Wakeup[] = ['events:appended'];
