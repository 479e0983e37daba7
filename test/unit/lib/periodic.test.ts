import { describe, expect, it } from 'vitest';
import { createPeriodic } from '../../../src/lib/periodic.js';
import { waitFor } from '../../helpers/wait.js';

/** The timer behind the janitor and the stuck scan, with runs the test holds open and releases. */

function heldRuns() {
  let inFlight = 0;
  let most = 0;
  let started = 0;
  const releases: (() => void)[] = [];
  const run = () => {
    started += 1;
    inFlight += 1;
    most = Math.max(most, inFlight);
    return new Promise<void>((resolve) => {
      releases.push(() => {
        inFlight -= 1;
        resolve();
      });
    });
  };
  return {
    run,
    started: () => started,
    most: () => most,
    releaseNext: () => releases.shift()?.(),
  };
}

describe('createPeriodic', () => {
  it('starts the next run only after the one in hand ended, never two at once', async () => {
    const runs = heldRuns();
    const loop = createPeriodic(1, runs.run);
    loop.start();
    loop.start();
    await waitFor(() => runs.started() === 1, 'the first run');
    for (let n = 2; n <= 4; n++) {
      runs.releaseNext();
      await waitFor(() => runs.started() === n, `run ${n} after run ${n - 1} ended`);
    }
    expect(runs.most()).toBe(1);
    const stopping = loop.stop();
    runs.releaseNext();
    await stopping;
  });

  it('stop waits for the run in hand, and none starts after it', async () => {
    const runs = heldRuns();
    const loop = createPeriodic(1, runs.run);
    loop.start();
    await waitFor(() => runs.started() === 1, 'the first run');
    expect(loop.isRunning()).toBe(true);
    let stopped = false;
    const stopping = loop.stop().then(() => {
      stopped = true;
    });
    expect(loop.isRunning()).toBe(false);
    await Promise.resolve();
    expect(stopped).toBe(false);
    runs.releaseNext();
    await stopping;
    expect(stopped).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs.started()).toBe(1);
  });

  it('never starts with an interval of 0', async () => {
    const runs = heldRuns();
    const loop = createPeriodic(0, runs.run);
    loop.start();
    expect(loop.isRunning()).toBe(false);
    await loop.stop();
    expect(runs.started()).toBe(0);
  });
});
