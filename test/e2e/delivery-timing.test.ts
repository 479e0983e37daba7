import { afterEach, expect, it } from 'vitest';
import type { BreakerState } from '../../src/deliver/circuit.js';
import { DeliveryLoop } from '../../src/deliver/delivery-loop.js';
import { type DeliveryOptions, deliveryOptions } from '../../src/deliver/options.js';
import { generateSecret } from '../../src/deliver/signing.js';
import { Bus } from '../../src/observe/bus.js';
import type { Store } from '../../src/store/ports.js';
import {
  type Answer,
  type BackendStore,
  commitEvents,
  describeEachStore,
  type EachStore,
  eventIdOf,
  ManualClock,
  makeEvent,
  startSubscriber,
} from '../helpers/delivery-fixtures.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Schedules on an injected clock: nothing here waits for a real retry delay. The clock starts at
 * the real time (so signatures verify) and moves only when a test moves it.
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(stores: EachStore, options: Partial<DeliveryOptions>) {
  const temp = await stores.open();
  cleanups.push(temp.close);
  const clock = new ManualClock();
  const bus = new Bus();
  const loop = new DeliveryLoop({
    store: temp.store,
    bus,
    clock,
    random: () => 0.5,
    options: deliveryOptions(
      { retryDelaysMs: [1_000, 1_000, 1_000, 1_000], deliveryTimeoutMs: 5_000, deliveryAllowPrivate: true },
      {
        pollMs: 5,
        ...options,
      },
    ),
  });
  cleanups.push(() => loop.stop());
  return { store: temp.store, temp, clock, bus, loop };
}

async function subscriberWith(answer: (request: { headers: Record<string, unknown> }) => Answer) {
  const sink = await startSubscriber(answer);
  cleanups.push(sink.close);
  return sink;
}

async function subscribe(store: Store, url: string, id: string, events = ['*']) {
  await store.createSubscription({
    id,
    url,
    events,
    phoneNumberIds: null,
    headers: {},
    description: null,
    enabled: true,
    secret: generateSecret(),
    source: 'api',
    now: Date.now(),
  });
}

function rows(temp: BackendStore, subscriptionId: string) {
  return temp.rows<{ state: string; attempts: number; next_attempt_at: number }>(
    'SELECT state, attempts, next_attempt_at FROM deliveries WHERE subscription_id = $1 ORDER BY id',
    [subscriptionId],
  );
}

async function totalAttempts(temp: BackendStore, subscriptionId: string): Promise<number> {
  return (await rows(temp, subscriptionId)).reduce((sum, row) => sum + row.attempts, 0);
}

async function outcomes(temp: BackendStore): Promise<string[]> {
  const found = await temp.rows<{ outcome: string }>('SELECT outcome FROM delivery_attempts ORDER BY id');
  return found.map((row) => row.outcome);
}

describeEachStore('delivery timing', (stores) => {
  it('honours Retry-After: the next attempt waits as long as the subscriber asked', async () => {
    const { store, clock, loop, temp } = await setup(stores, {});
    const seenAt: number[] = [];
    const busy = await subscriberWith(() => {
      seenAt.push(clock.now());
      return seenAt.length === 1 ? { status: 503, headers: { 'retry-after': '120' } } : { status: 200 };
    });
    const witness = await subscriberWith(() => ({ status: 200 }));
    await subscribe(store, busy.url, 'busy', ['message.status']);
    await commitEvents(store, [makeEvent('wamid.RA')], clock.now());
    loop.start();

    await waitFor(async () => (await rows(temp, 'busy'))[0]?.attempts === 1, 'the first attempt is recorded');
    const startedAt = seenAt[0]!;
    expect((await rows(temp, 'busy'))[0]).toMatchObject({
      state: 'pending',
      next_attempt_at: startedAt + 120_000,
    });

    // Halfway there the loop keeps working (a new subscription's event goes out) but not on this one.
    clock.advance(60_000);
    await subscribe(store, witness.url, 'witness', ['message.received']);
    await commitEvents(store, [makeEvent('wamid.W', { type: 'message.received' })], clock.now());
    await waitFor(() => witness.received.length === 1, 'the loop delivers other work meanwhile');
    expect(busy.received).toHaveLength(1);

    clock.advance(60_000);
    await waitFor(
      async () => (await rows(temp, 'busy'))[0]?.state === 'succeeded',
      'the retry succeeds once due',
    );
    expect(seenAt[1]! - startedAt).toBeGreaterThanOrEqual(120_000);
  });

  it('opens the breaker after repeated failures, holds deliveries unsent and uncounted, and probes once', async () => {
    const { store, clock, bus, loop, temp } = await setup(stores, {
      perSubscription: 1,
      breaker: { failureThreshold: 2, openMs: 30_000, maxOpenMs: 60_000 },
    });
    const states: BreakerState[] = [];
    bus.on('delivery:breaker', (event) => states.push(event.state));
    let healthy = false;
    const sink = await subscriberWith(() => (healthy ? { status: 200 } : { status: 500 }));
    await subscribe(store, sink.url, 'flapping', ['message.status']);
    await commitEvents(
      store,
      [makeEvent('wamid.B1'), makeEvent('wamid.B2'), makeEvent('wamid.B3')],
      clock.now(),
    );
    loop.start();
    await waitFor(() => states.includes('open'), 'the breaker opens');
    expect(sink.received).toHaveLength(2);

    // Retries and new events come due while open: the loop keeps working elsewhere, not here.
    clock.advance(1_000);
    const witness = await subscriberWith(() => ({ status: 200 }));
    await subscribe(store, witness.url, 'witness', ['message.received']);
    await commitEvents(store, [makeEvent('wamid.W', { type: 'message.received' })], clock.now());
    await waitFor(() => witness.received.length === 1, 'the loop delivers other work meanwhile');
    expect(sink.received).toHaveLength(2);
    expect(await totalAttempts(temp, 'flapping')).toBe(2);

    healthy = true;
    clock.advance(30_000);
    await waitFor(
      async () => (await rows(temp, 'flapping')).every((row) => row.state === 'succeeded'),
      'all are delivered',
    );
    expect(states).toEqual(['open', 'half_open', 'closed']);
    expect(sink.received.filter((request) => request.status === 200)).toHaveLength(3);
    expect(await totalAttempts(temp, 'flapping')).toBe(sink.received.length);
    expect(await outcomes(temp)).not.toContain('circuit_open');
  });

  it('delivers every event to a subscriber that fails through the breaker pauses, counting only real requests', async () => {
    // The schedule (3 retries, well under a second) is far shorter than the pauses: had a pause
    // spent attempts, most of these events would be dead letters.
    const { store, clock, bus, loop, temp } = await setup(stores, {
      retryDelaysMs: [100, 200, 300],
      breaker: { failureThreshold: 5, openMs: 1_000, maxOpenMs: 4_000 },
    });
    const states: BreakerState[] = [];
    bus.on('delivery:breaker', (event) => states.push(event.state));
    const seen = new Map<string, number>();
    const sink = await subscriberWith(({ headers }) => {
      const id = String(headers['webhook-id']);
      const count = (seen.get(id) ?? 0) + 1;
      seen.set(id, count);
      return count <= 2 ? { status: 503 } : { status: 200 };
    });
    await subscribe(store, sink.url, 'recovering');
    const events = await commitEvents(
      store,
      Array.from({ length: 60 }, (_, i) => makeEvent(`wamid.P${i}`)),
      clock.now(),
    );
    loop.start();

    await waitFor(
      async () => {
        clock.advance(250);
        return (await rows(temp, 'recovering')).every((row) => row.state !== 'pending');
      },
      'every delivery is finished',
      60_000,
    );
    expect(states).toContain('open');
    expect((await rows(temp, 'recovering')).filter((row) => row.state === 'dead')).toEqual([]);
    const delivered = new Set(
      sink.received.filter((request) => request.status === 200).map((request) => eventIdOf(request)),
    );
    expect(delivered).toEqual(new Set(events.map((event) => event.id)));
    expect(await totalAttempts(temp, 'recovering')).toBe(sink.received.length);
    expect(await outcomes(temp)).toHaveLength(sink.received.length);
  });

  it('holds replayed dead letters while the breaker is open, then sends them once it closes', async () => {
    const { store, clock, bus, loop, temp } = await setup(stores, {
      retryDelaysMs: [],
      breaker: { failureThreshold: 2, openMs: 30_000, maxOpenMs: 60_000 },
    });
    const states: BreakerState[] = [];
    bus.on('delivery:breaker', (event) => states.push(event.state));
    let healthy = false;
    const sink = await subscriberWith(() => (healthy ? { status: 200 } : { status: 500 }));
    await subscribe(store, sink.url, 'down', ['message.status']);
    await commitEvents(
      store,
      [makeEvent('wamid.R1'), makeEvent('wamid.R2'), makeEvent('wamid.R3')],
      clock.now(),
    );
    loop.start();
    await waitFor(
      async () => (await rows(temp, 'down')).every((row) => row.state === 'dead'),
      'three dead letters',
    );
    expect(states).toEqual(['open']);

    healthy = true;
    expect(
      await store.replayDeadLetters({ subscriptionId: 'down' }, { now: clock.now(), dryRun: false }),
    ).toBe(3);
    const witness = await subscriberWith(() => ({ status: 200 }));
    await subscribe(store, witness.url, 'witness', ['message.received']);
    await commitEvents(store, [makeEvent('wamid.RW', { type: 'message.received' })], clock.now());
    loop.wake();
    await waitFor(() => witness.received.length === 1, 'the loop delivers other work meanwhile');
    expect(sink.received).toHaveLength(3);
    expect((await rows(temp, 'down')).map((row) => [row.state, row.attempts])).toEqual([
      ['pending', 0],
      ['pending', 0],
      ['pending', 0],
    ]);

    clock.advance(30_000);
    await waitFor(
      async () => (await rows(temp, 'down')).every((row) => row.state === 'succeeded'),
      'the replays land',
    );
    expect(sink.received.filter((request) => request.status === 200)).toHaveLength(3);
    expect((await rows(temp, 'down')).map((row) => row.attempts)).toEqual([1, 1, 1]);
  });

  it('gives replayed dead letters a bounded share so live deliveries keep flowing', async () => {
    const { store, clock, loop, temp } = await setup(stores, {
      retryDelaysMs: [],
      maxInFlight: 4,
      replayShare: 0.25,
      breaker: { failureThreshold: 1_000, openMs: 1, maxOpenMs: 1 },
    });
    const doomed = new Set<string>();
    let replaying = false;
    const sink = await subscriberWith(({ headers }) => {
      const id = String(headers['webhook-id']);
      if (!replaying) return { status: 500 };
      return doomed.has(id) ? 'hang' : { status: 200 };
    });
    await subscribe(store, sink.url, 'mixed');
    const failed = await commitEvents(
      store,
      Array.from({ length: 6 }, (_, i) => makeEvent(`wamid.D${i}`)),
      clock.now(),
    );
    for (const event of failed) doomed.add(event.id);
    loop.start();
    await waitFor(
      async () => (await rows(temp, 'mixed')).every((row) => row.state === 'dead'),
      'six dead letters',
    );

    replaying = true;
    expect(
      await store.replayDeadLetters({ subscriptionId: 'mixed' }, { now: clock.now(), dryRun: false }),
    ).toBe(6);
    const live = await commitEvents(
      store,
      Array.from({ length: 6 }, (_, i) => makeEvent(`wamid.L${i}`)),
      clock.now(),
    );
    loop.wake();

    const liveIds = new Set(live.map((event) => event.id));
    await waitFor(
      () =>
        sink.received.filter((request) => liveIds.has(eventIdOf(request)) && request.status === 200)
          .length === 6,
      'every live event is delivered while replays hang',
    );
    await waitFor(() => sink.received.some((request) => request.status === 0), 'a replay is in flight');
    // One slot of four (25 %) for replays: the other five replays are still waiting their turn.
    const [leasedReplays] = await temp.rows<{ n: number }>(
      `SELECT COUNT(*) AS n FROM deliveries WHERE lane = 'replay' AND lease_until IS NOT NULL`,
    );
    expect(leasedReplays?.n).toBe(1);
    expect(sink.received.filter((request) => request.status === 0)).toHaveLength(1);
  });
});
