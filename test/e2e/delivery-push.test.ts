import { Webhook } from 'standardwebhooks';
import { afterEach, expect, it } from 'vitest';
import { DeliveryLoop } from '../../src/deliver/delivery-loop.js';
import { type DeliveryOptions, deliveryOptions } from '../../src/deliver/options.js';
import { generateSecret } from '../../src/deliver/signing.js';
import type { Clock } from '../../src/lib/clock.js';
import { systemClock } from '../../src/lib/clock.js';
import { Bus } from '../../src/observe/bus.js';
import type { Store } from '../../src/store/ports.js';
import {
  type Answer,
  type BackendStore,
  commitEvents,
  describeEachStore,
  type EachStore,
  eventIdOf,
  makeEvent,
  type ReceivedRequest,
  type Subscriber,
  startSubscriber,
} from '../helpers/delivery-fixtures.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The delivery loop against real local subscribers and a real store, SQLite and PostgreSQL: events
 * are committed the way processing commits them (insert + enqueue in one transaction), then pushed.
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  stores: EachStore,
  options: Partial<DeliveryOptions> = {},
  clock: Clock = systemClock,
  timeoutMs = 2_000,
) {
  const temp = await stores.open();
  cleanups.push(temp.close);
  const bus = new Bus();
  const loop = new DeliveryLoop({
    store: temp.store,
    bus,
    clock,
    random: () => 0.5,
    options: deliveryOptions(
      { retryDelaysMs: [5, 10, 10, 10, 10], deliveryTimeoutMs: timeoutMs, deliveryAllowPrivate: true },
      { pollMs: 5, breaker: { failureThreshold: 1_000, openMs: 10, maxOpenMs: 10 }, ...options },
    ),
  });
  cleanups.push(() => loop.stop());
  return { store: temp.store, bus, loop, deliveryRows: () => deliveryRowsOf(temp) };
}

async function subscriber(answer: Parameters<typeof startSubscriber>[0]): Promise<Subscriber> {
  const started = await startSubscriber(answer);
  cleanups.push(started.close);
  return started;
}

async function subscribe(store: Store, url: string, id = `sub_${Math.random().toString(36).slice(2)}`) {
  return store.createSubscription({
    id,
    url,
    events: ['*'],
    phoneNumberIds: null,
    headers: {},
    description: null,
    enabled: true,
    secret: generateSecret(),
    source: 'api',
    now: Date.now(),
  });
}

function deliveryRowsOf(temp: BackendStore) {
  return temp.rows<{
    id: number;
    state: string;
    attempts: number;
    next_attempt_at: number;
    last_error: string | null;
    lane: string;
  }>('SELECT * FROM deliveries ORDER BY id');
}

/** Fails the first `k` attempts of every event, then answers 204. */
function flaky(k: number): (request: { headers: { [key: string]: unknown } }) => Answer {
  const seen = new Map<string, number>();
  return ({ headers }) => {
    const id = String(headers['webhook-id']);
    const count = (seen.get(id) ?? 0) + 1;
    seen.set(id, count);
    return count <= k ? { status: count % 2 ? 500 : 503, body: 'busy' } : { status: 204 };
  };
}

function succeededIds(received: readonly ReceivedRequest[]): Set<string> {
  return new Set(received.filter((request) => request.status >= 200 && request.status < 300).map(eventIdOf));
}

describeEachStore('delivery to subscribers', (stores) => {
  it('delivers every event to a flaky subscriber, each signature verifying, each key in order', async () => {
    const { store, loop, deliveryRows } = await setup(stores);
    const sink = await subscriber(flaky(2));
    const subscription = await subscribe(store, sink.url);
    const keys = ['wamid.A', 'wamid.B', 'wamid.C', 'wamid.D'];
    const events = keys.flatMap((key) => Array.from({ length: 5 }, () => makeEvent(key)));
    await commitEvents(store, events);
    loop.start();

    await waitFor(() => succeededIds(sink.received).size === events.length, 'every event is delivered');

    const webhook = new Webhook(subscription.secret);
    for (const request of sink.received) {
      const body = webhook.verify(request.body, request.headers as Record<string, string>) as {
        id: string;
        sequence: number;
      };
      expect(body.id).toBe(request.headers['webhook-id']);
      expect(String(body.sequence)).toBe(request.headers['webhook-sequence']);
    }
    for (const key of keys) {
      const order = events.filter((event) => event.orderingKey === key).map((event) => event.id);
      expectKeyOrder(sink.received, order);
      const sequences = sink.received
        .filter((request) => request.status === 204 && order.includes(eventIdOf(request)))
        .map((request) => Number(request.headers['webhook-sequence']));
      expect(sequences).toEqual([1, 2, 3, 4, 5]);
    }
    // The subscriber answered before the loop recorded the answer: wait for the store to catch up.
    await waitFor(
      async () => (await deliveryRows()).every((row) => row.state === 'succeeded'),
      'all are recorded',
    );
    expect((await deliveryRows()).every((row) => row.attempts === 3)).toBe(true);
  });

  it('lets a dead endpoint hold only its own slots while other subscriptions flow', async () => {
    // A timeout far beyond the test, so the stuck attempts are never retried while it runs.
    const { store, loop } = await setup(stores, { perSubscription: 2, maxInFlight: 8 }, systemClock, 60_000);
    const stuck = await subscriber(() => 'hang');
    const healthy = await subscriber(() => ({ status: 200 }));
    await subscribe(store, stuck.url);
    await subscribe(store, healthy.url);
    const events = Array.from({ length: 20 }, (_, i) => makeEvent(`wamid.K${i}`));
    await commitEvents(store, events);
    loop.start();

    await waitFor(
      () => succeededIds(healthy.received).size === events.length,
      'the healthy subscriber has all',
    );
    // The stuck endpoint got its two slots and no more.
    await waitFor(() => stuck.received.length >= 2, 'the stuck endpoint holds its two slots');
    expect(stuck.received.length).toBe(2);
  });

  it('widens the window of an endpoint that keeps up, past the 16 attempts it starts with', async () => {
    const { store, loop } = await setup(stores, {}, systemClock, 60_000);
    // 400 answered at once, then every request hangs: what is out then is the window at that time.
    const fast = 400;
    const endpoint = await subscriber(({ index }) => (index < fast ? { status: 200 } : 'hang'));
    await subscribe(store, endpoint.url);
    await commitEvents(
      store,
      Array.from({ length: 700 }, (_, i) => makeEvent(`wamid.W${i}`)),
    );
    loop.start();
    await waitFor(() => endpoint.received.length > fast + 16, 'more than 16 attempts out at once', 20_000);
  });

  it('disables a subscription that answers 410 and dead-letters what was waiting for it', async () => {
    const { store, loop, deliveryRows } = await setup(stores);
    const gone = await subscriber(() => ({ status: 410, body: 'unsubscribed' }));
    const subscription = await subscribe(store, gone.url);
    await commitEvents(store, [makeEvent('wamid.G'), makeEvent('wamid.G'), makeEvent('wamid.H')]);
    loop.start();

    await waitFor(
      async () => (await store.getSubscription(subscription.id))?.enabled === false,
      'it is disabled',
    );
    const disabled = await store.getSubscription(subscription.id);
    expect(disabled?.disabledReason).toMatch(/410/);
    await waitFor(
      async () => (await deliveryRows()).every((row) => row.state === 'dead'),
      'every delivery is dead',
    );
    // The first attempts of wamid.G and wamid.H, out together; the second wamid.G never goes out,
    // since the 410 is recorded in the transaction that disables the subscription.
    expect(gone.received.length).toBeLessThanOrEqual(2);
    const dead = await store.listDeadLetters({ limit: 10 });
    expect(dead).toHaveLength(3);
    expect(dead.every((letter) => /410|disabled/.test(letter.lastError ?? ''))).toBe(true);

    // A disabled subscription gets no new deliveries.
    await commitEvents(store, [makeEvent('wamid.I')]);
    expect(await deliveryRows()).toHaveLength(3);
  });

  it('makes a dead letter after the last retry, and a replay delivers it with the same id', async () => {
    const { store, loop, deliveryRows } = await setup(stores, { retryDelaysMs: [5, 5] });
    let healthy = false;
    const sink = await subscriber(() => (healthy ? { status: 200 } : { status: 500, body: 'db down' }));
    const subscription = await subscribe(store, sink.url);
    const [event] = await commitEvents(store, [makeEvent('wamid.R')]);
    loop.start();

    await waitFor(async () => (await deliveryRows())[0]?.state === 'dead', 'the delivery is a dead letter');
    expect(sink.received).toHaveLength(3);
    const [letter] = await store.listDeadLetters({ subscriptionId: subscription.id, limit: 10 });
    expect(letter).toMatchObject({ eventId: event!.id, attempts: 3, lastStatus: 500 });
    expect(letter?.lastError).toMatch(/HTTP 500: db down \(gave up after 3 attempts\)/);
    expect((await store.getDeadLetter(letter!.id))?.attemptLog.map((attempt) => attempt.status)).toEqual([
      500, 500, 500,
    ]);

    healthy = true;
    expect(await store.replayDeadLetters({ ids: [letter!.id] }, { now: Date.now(), dryRun: true })).toBe(1);
    expect((await deliveryRows())[0]?.state).toBe('dead');
    expect(await store.replayDeadLetters({ ids: [letter!.id] }, { now: Date.now(), dryRun: false })).toBe(1);
    loop.wake();

    await waitFor(async () => (await deliveryRows())[0]?.state === 'succeeded', 'the replay is delivered');
    expect((await deliveryRows())[0]).toMatchObject({ lane: 'replay', attempts: 1 });
    expect(sink.received.map(eventIdOf)).toEqual(Array(4).fill(event!.id));
    expect(await store.listDeadLetters({ limit: 10 })).toEqual([]);
  });
});

/** Any attempt of event i+1 comes after the successful answer to event i. */
function expectKeyOrder(received: readonly ReceivedRequest[], order: readonly string[]): void {
  for (let i = 0; i + 1 < order.length; i += 1) {
    const delivered = received.find((request) => eventIdOf(request) === order[i] && request.status === 204);
    const firstOfNext = received.find((request) => eventIdOf(request) === order[i + 1]);
    expect(delivered, `event ${i} delivered`).toBeDefined();
    expect(firstOfNext!.index, `event ${i + 1} waits for event ${i}`).toBeGreaterThan(delivered!.index);
  }
}
