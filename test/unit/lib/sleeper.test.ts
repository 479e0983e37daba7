import { describe, expect, it } from 'vitest';
import { Sleeper } from '../../../src/lib/sleeper.js';

/** The idle wait of the polling loops. An hour-long sleep here ends only if the wake works. */
const AN_HOUR = 3_600_000;

describe('Sleeper', () => {
  it('ends a sleep when woken', async () => {
    const sleeper = new Sleeper();
    const asleep = sleeper.sleep(AN_HOUR);
    sleeper.wake();
    await asleep;
  });

  it('keeps a wake that came while nobody slept: the next sleep returns at once, the one after waits', async () => {
    const sleeper = new Sleeper();
    sleeper.wake();
    await sleeper.sleep(AN_HOUR);
    let ended = false;
    const second = sleeper.sleep(AN_HOUR).then(() => {
      ended = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(ended).toBe(false);
    sleeper.wake();
    await second;
  });

  it('ends a sleep when its time passes, with no wake', async () => {
    await new Sleeper().sleep(1);
  });
});
