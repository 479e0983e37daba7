import { describe, expect, it } from 'vitest';
import { type BackgroundRole, WAKEUPS_OF } from '../../../src/background/messages.js';
import { WAKEUPS } from '../../../src/lib/wakeups.js';

/**
 * The main thread is the hub between the background threads: what one thread tells must reach a
 * thread that listens for it, and no thread may hear a signal it tells (it would pass it back to
 * the hub, and the hub to it again, for ever).
 */
const roles = Object.keys(WAKEUPS_OF) as BackgroundRole[];

describe('wake-ups between the main thread and the background threads', () => {
  it('a worker thread tells of new events and the delivery thread hears them', () => {
    expect(WAKEUPS_OF.worker.tells).toContain('events:appended');
    expect(WAKEUPS_OF.delivery.hears).toContain('events:appended');
  });

  it('the delivery loop hears replays and the worker hears appends', () => {
    expect(WAKEUPS_OF.delivery.hears).toContain('dead_letters:replayed');
    expect(WAKEUPS_OF.worker.hears).toContain('inbox:appended');
  });

  it('every signal a thread tells is heard by another thread', () => {
    for (const role of roles)
      for (const signal of WAKEUPS_OF[role].tells)
        expect(
          roles.filter((other) => other !== role && WAKEUPS_OF[other].hears.includes(signal)),
        ).not.toEqual([]);
  });

  it('no thread hears what it tells, so no signal goes round in a circle', () => {
    for (const role of roles) {
      const { hears, tells } = WAKEUPS_OF[role];
      expect(
        hears.filter((signal) => tells.includes(signal)),
        role,
      ).toEqual([]);
    }
  });

  it('names only known signals', () => {
    for (const role of roles) {
      const { hears, tells } = WAKEUPS_OF[role];
      for (const signal of [...hears, ...tells]) expect(WAKEUPS).toContain(signal);
    }
  });
});
