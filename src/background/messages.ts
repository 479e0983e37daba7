import type { Role } from '../config/settings.js';
import type { Wakeup } from '../lib/wakeups.js';
import type { BusEventName } from '../observe/bus.js';

/** What the main thread and a background thread say to each other. */
export type ToBackground = { kind: 'wakeup'; signal: Wakeup } | { kind: 'stop' };

export type FromBackground =
  | { kind: 'started' }
  | { kind: 'stopped' }
  | { kind: 'bus'; events: [BusEventName, unknown][] }
  | { kind: 'wakeup'; signal: Wakeup };

/** The roles that run in a background thread of their own when they share a process with the receiver. */
export type BackgroundRole = Extract<Role, 'worker' | 'delivery'>;

/**
 * The wake-ups the thread of each role hears from the main thread, and those it passes back. The
 * worker hears of appends and commits events; the delivery loop hears of events and replays; the
 * main thread serves the event streams and passes each signal on to the threads that listen. A
 * thread passes back only what it commits and never hears it again, so no signal goes round in a
 * circle: the main thread is the only hub.
 */
export const WAKEUPS_OF: Readonly<
  Record<BackgroundRole, { hears: readonly Wakeup[]; tells: readonly Wakeup[] }>
> = {
  worker: { hears: ['inbox:appended'], tells: ['events:appended'] },
  delivery: { hears: ['events:appended', 'dead_letters:replayed'], tells: [] },
};
