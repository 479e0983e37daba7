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
 * The wake-ups a thread of these roles hears from the main thread, and those it passes back. The
 * worker hears of appends and commits events; the delivery loop hears of events and replays; the
 * main thread serves the event streams and passes each signal on to the threads that listen. A
 * thread passes back only what it commits and never hears it again, so no signal goes round in a
 * circle: the main thread is the only hub.
 */
export function wakeupsOf(roles: readonly BackgroundRole[]): { hears: Wakeup[]; tells: Wakeup[] } {
  const hears = new Set<Wakeup>();
  const tells = new Set<Wakeup>();
  if (roles.includes('worker')) {
    hears.add('inbox:appended');
    tells.add('events:appended');
  }
  if (roles.includes('delivery')) {
    hears.add('dead_letters:replayed');
    // Events committed in the same thread wake the loop there; from another thread they come in.
    if (!roles.includes('worker')) hears.add('events:appended');
  }
  return { hears: [...hears], tells: [...tells] };
}
