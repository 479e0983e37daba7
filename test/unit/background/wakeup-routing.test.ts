import { describe, expect, it } from 'vitest';
import { type BackgroundRole, wakeupsOf } from '../../../src/background/messages.js';
import { WAKEUPS } from '../../../src/lib/wakeups.js';

/**
 * The main thread is the hub between the background threads: what one thread tells must reach a
 * thread that listens for it, and no thread may hear a signal it tells (it would pass it back to
 * the hub, and the hub to it again, for ever).
 */
const layouts: BackgroundRole[][] = [['worker'], ['delivery'], ['worker', 'delivery']];

describe('wake-ups between the main thread and the background threads', () => {
  it('a worker thread tells of new events and a delivery thread of its own hears them', () => {
    expect(wakeupsOf(['worker']).tells).toContain('events:appended');
    expect(wakeupsOf(['delivery']).hears).toContain('events:appended');
  });

  it('the delivery loop hears replays and the worker hears appends, wherever they run', () => {
    for (const roles of layouts) {
      const { hears } = wakeupsOf(roles);
      if (roles.includes('delivery')) expect(hears).toContain('dead_letters:replayed');
      if (roles.includes('worker')) expect(hears).toContain('inbox:appended');
    }
  });

  it('no thread hears what it tells, so no signal goes round in a circle', () => {
    for (const roles of layouts) {
      const { hears, tells } = wakeupsOf(roles);
      expect(
        hears.filter((signal) => tells.includes(signal)),
        roles.join('+'),
      ).toEqual([]);
    }
  });

  it('a thread running worker and delivery together keeps new events to itself', () => {
    expect(wakeupsOf(['worker', 'delivery']).hears).not.toContain('events:appended');
  });

  it('names only known signals', () => {
    for (const roles of layouts) {
      const { hears, tells } = wakeupsOf(roles);
      for (const signal of [...hears, ...tells]) expect(WAKEUPS).toContain(signal);
    }
  });
});
