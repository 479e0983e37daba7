import { afterEach, describe, expect, it } from 'vitest';
import type { BreakerState } from '../../src/deliver/circuit.js';
import { DeliveryLoop } from '../../src/deliver/delivery-loop.js';
import { type DeliveryOptions, deliveryOptions } from '../../src/deliver/options.js';
import { generateSecret } from '../../src/deliver/signing.js';
import { Bus } from '../../src/observe/bus.js';
import type { SqliteStore } from '../../src/store/sqlite/store.js';
import {
  type Answer,
  commitEvents,
  eventIdOf,
  ManualClock,
  makeEvent,
  startSubscriber,
  tempStore,
  waitFor,
} from '../helpers/delivery-fixtures.js';

/**
 * Schedules on an injected clock: nothing here waits for a real retry delay. The clock starts at
 * the real time (so signatures verify) and moves only when a test moves it.
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: Partial<DeliveryOptions>) {
  const temp = await tempStore();
  cleanups.push(temp.cleanup);
  const clock = new ManualClock();
  const bus = new Bus();
  const loop = new DeliveryLoop({
    store: temp.store,
    bus,
    clock,
    random: () => 0.5,
    options: deliveryOptions(
      { retryDelaysMs: [1_000, 1_000, 1_000, 1_000], deliveryTimeoutMs: 5_000 },
      {
        pollMs: 5,
        ...options,
      },
    ),
  });
  cleanups.push(() => loop.stop());
  return { store: temp.store, clock, bus, loop };
}

async function subscriberWith(answer: (request: { headers: Record<string, unknown> }) => Answer) {
  const sink = await startSubscriber(answer);
  cleanups.push(sink.close);
  return sink;
}

async function subscribe(store: SqliteStore, url: string, id: string, events = ['*']) {
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

function rows(store: SqliteStore, subscriptionId: string) {
  return store.db
    .prepare('SELECT state, attempts, next_attempt_at FROM deliveries WHERE subscription_id = ? ORDER BY id')
    .all(subscriptionId) as { state: string; attempts: number; next_attempt_at: number }[];
}

function outcomes(store: SqliteStore): string[] {
  const found = store.db.prepare('SELECT outcome FROM delivery_attempts ORDER BY id').all() as {
    outcome: string;
  }[];
  return found.map((row) => row.outcome);
}

describe('delivery timing', () => {
  it('honours Retry-After: the next attempt waits as long as the subscriber asked', async () => {
    const { store, clock, loop } = await setup({});
    const seenAt: number[] = [];
    const busy = await subscriberWith(() => {
      seenAt.push(clock.now());
      return seenAt.length === 1 ? { status: 503, headers: { 'retry-after': '120' } } : { status: 200 };
    });
    const witness = await subscriberWith(() => ({ status: 200 }));
    await subscribe(store, busy.url, 'busy', ['message.status']);
    await commitEvents(store, [makeEvent('wamid.RA')], clock.now());
    loop.start();

    await waitFor(() => rows(store, 'busy')[0]?.attempts === 1, 'the first attempt is recorded');
    const startedAt = seenAt[0]!;
    expect(rows(store, 'busy')[0]).toMatchObject({ state: 'pending', next_attempt_at: startedAt + 120_000 });

    // Halfway there the loop keeps working (a new subscription's event goes out) but not on this one.
    clock.advance(60_000);
    await subscribe(store, witness.url, 'witness', ['message.received']);
    await commitEvents(store, [makeEvent('wamid.W', { type: 'message.received' })], clock.now());
    await waitFor(() => witness.received.length === 1, 'the loop delivers other work meanwhile');
    expect(busy.received).toHaveLength(1);

    clock.advance(60_000);
    await waitFor(() => rows(store, 'busy')[0]?.state === 'succeeded', 'the retry succeeds once due');
    expect(seenAt[1]! - startedAt).toBeGreaterThanOrEqual(120_000);
  });

  it('opens the breaker after repeated failures, stops sending, and probes once before closing', async () => {
    const { store, clock, bus, loop } = await setup({
      perSubscription: 1,
      breaker: { failureThreshold: 2, openMs: 30_000, maxOpenMs: 60_000 },
    });
    const states: BreakerState[] = [];
    bus.on('delivery:breaker', (event) => states.push(event.state));
    let healthy = false;
    const sink = await subscriberWith(() => (healthy ? { status: 200 } : { status: 500 }));
    await subscribe(store, sink.url, 'flapping');
    await commitEvents(
      store,
      [makeEvent('wamid.B1'), makeEvent('wamid.B2'), makeEvent('wamid.B3')],
      clock.now(),
    );
    loop.start();

    await waitFor(
      () => outcomes(store).includes('circuit_open'),
      'the open breaker answers for the endpoint',
    );
    expect(sink.received).toHaveLength(2);
    expect(states).toEqual(['open']);

    // Retries that come due while open are not sent, but they do use the schedule.
    clock.advance(1_000);
    await waitFor(
      () => outcomes(store).filter((kind) => kind === 'circuit_open').length >= 3,
      'due retries fail fast',
    );
    expect(sink.received).toHaveLength(2);

    healthy = true;
    clock.advance(30_000);
    await waitFor(
      () => rows(store, 'flapping').every((row) => row.state === 'succeeded'),
      'all are delivered',
    );
    expect(states).toEqual(['open', 'half_open', 'closed']);
    expect(sink.received.filter((request) => request.status === 200)).toHaveLength(3);
  });

  it('gives replayed dead letters a bounded share so live deliveries keep flowing', async () => {
    const { store, clock, loop } = await setup({
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
    await waitFor(() => rows(store, 'mixed').every((row) => row.state === 'dead'), 'six dead letters');

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
    const leasedReplays = store.db
      .prepare(`SELECT COUNT(*) AS n FROM deliveries WHERE lane = 'replay' AND lease_until IS NOT NULL`)
      .get() as { n: number };
    expect(leasedReplays.n).toBe(1);
    expect(sink.received.filter((request) => request.status === 0)).toHaveLength(1);
  });
});
