import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { verifyBatch } from '../../src/consumer/index.js';
import { DeliveryLoop } from '../../src/deliver/delivery-loop.js';
import { deliveryOptions } from '../../src/deliver/options.js';
import { generateSecret } from '../../src/deliver/signing.js';
import { type Clock, systemClock } from '../../src/lib/clock.js';
import { Bus } from '../../src/observe/bus.js';
import type { BatchPolicy } from '../../src/store/delivery-ports.js';
import type { NewEvent, Store, StoredEvent } from '../../src/store/ports.js';
import {
  type Answer,
  ManualClock,
  makeEvent,
  type ReceivedRequest,
  startSubscriber,
} from '../helpers/delivery-fixtures.js';
import { postgresBackend, type StoreBackend, sqliteBackend } from '../helpers/stores.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Batched subscriptions through the real delivery loop, on a real SQLite file and a real
 * PostgreSQL schema: a subscriber on loopback, events committed as processing commits them.
 */
for (const backend of [sqliteBackend('batches'), postgresBackend('batches')]) {
  backend.describe(`batched delivery on ${backend.name}`, () => batchedDelivery(backend));
}

/** Inserts events and enqueues their deliveries in one transaction, as processing does. */
function commitEvents(store: Store, events: readonly NewEvent[], now = Date.now()): Promise<StoredEvent[]> {
  return store.withProcessingTx(async (tx) => {
    const inserted = await tx.insertEvents(events);
    await tx.enqueueDeliveries(inserted, now);
    return inserted;
  });
}

function deliveriesOf(store: Store, events: readonly StoredEvent[]) {
  return store.listEventDeliveries(
    events.map((event) => event.seq),
    1_000,
  );
}

function eventsOf(request: ReceivedRequest): { id: string; ordering_key: string; sequence: number }[] {
  return JSON.parse(request.body);
}

function batchedDelivery(backend: StoreBackend): void {
  const cleanups: (() => Promise<void>)[] = [];
  let failed = false;
  beforeAll(() => backend.setup());
  beforeEach(() => backend.reset());
  afterEach(async (test) => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    failed ||= test.task.result?.state === 'fail';
  });
  afterAll(() => backend.teardown(failed));

  async function setup(
    batch: BatchPolicy,
    answer: (request: { headers: Record<string, unknown>; index: number }) => Answer,
    clock: Clock = systemClock,
  ) {
    const store = await backend.open();
    cleanups.push(() => store.close());
    const sink = await startSubscriber(answer);
    cleanups.push(sink.close);
    const subscription = await store.createSubscription({
      id: 'sub_batched',
      url: sink.url,
      events: ['*'],
      phoneNumberIds: null,
      headers: { 'x-tenant': 'acme' },
      description: null,
      enabled: true,
      batch,
      secret: generateSecret(),
      source: 'api',
      now: clock.now(),
    });
    const bus = new Bus();
    const loop = new DeliveryLoop({
      store,
      bus,
      clock,
      random: () => 0.5,
      options: deliveryOptions(
        { retryDelaysMs: [5, 10], deliveryTimeoutMs: 2_000, deliveryAllowPrivate: true },
        { pollMs: 5, breaker: { failureThreshold: 1_000, openMs: 10, maxOpenMs: 10 } },
      ),
    });
    cleanups.push(() => loop.stop());
    return { store, bus, loop, sink, subscription };
  }

  const allIn = (store: Store, events: readonly StoredEvent[], state: string) => async () =>
    (await deliveriesOf(store, events)).every((row) => row.state === state);

  it('sends a full batch as one POST of a JSON array, signed under the batch id', async () => {
    const { store, loop, sink, subscription } = await setup({ maxEvents: 5, maxWaitMs: 60_000 }, () => ({
      status: 204,
    }));
    const events = await commitEvents(
      store,
      ['A', 'B', 'C', 'D', 'E'].map((key) => makeEvent(`wamid.${key}`)),
    );
    loop.start();

    await waitFor(allIn(store, events, 'succeeded'), 'the batch is delivered');
    expect(sink.received).toHaveLength(1);
    const [request] = sink.received as [ReceivedRequest];
    const headers = request.headers as Record<string, string>;
    expect(headers['webhook-id']).toMatch(/^bat_/);
    expect(headers['webhook-batch-size']).toBe('5');
    expect(headers['x-tenant']).toBe('acme');
    // What any Standard Webhooks library checks, and the consumer helper.
    new Webhook(subscription.secret).verify(request.body, headers);
    const verified = verifyBatch(headers, request.body, subscription.secret);
    expect(verified.map((event) => event.id)).toEqual(events.map((event) => event.id));
    expect(eventsOf(request).map((event) => event.sequence)).toEqual([1, 1, 1, 1, 1]);
  });

  it('sends a partial batch once its oldest delivery has waited max_wait', async () => {
    const clock = new ManualClock();
    const { store, bus, loop, sink } = await setup(
      { maxEvents: 10, maxWaitMs: 1_000 },
      () => ({ status: 200 }),
      clock,
    );
    await commitEvents(
      store,
      ['A', 'B', 'C'].map((key) => makeEvent(`wamid.${key}`)),
      clock.now(),
    );
    let turns = 0;
    bus.on('loop:ok', () => {
      turns += 1;
    });
    loop.start();
    await waitFor(() => turns >= 3, 'the loop has looked three times');
    expect(sink.received).toHaveLength(0);

    clock.advance(1_000);
    await waitFor(() => sink.received.length === 1, 'the partial batch arrives');
    expect(eventsOf(sink.received[0]!)).toHaveLength(3);
  });

  it('retries a failing batch whole under the same id, then dead-letters each delivery', async () => {
    const { store, loop, sink } = await setup({ maxEvents: 3, maxWaitMs: 0 }, () => ({
      status: 503,
      body: 'down',
    }));
    const events = await commitEvents(
      store,
      ['A', 'B', 'C'].map((key) => makeEvent(`wamid.${key}`)),
    );
    loop.start();

    await waitFor(allIn(store, events, 'dead'), 'all are dead letters');
    // Two retry delays: three attempts, each the whole batch under one id.
    expect(sink.received).toHaveLength(3);
    expect(new Set(sink.received.map((request) => request.headers['webhook-id'])).size).toBe(1);
    for (const request of sink.received) {
      expect(eventsOf(request).map((event) => event.id)).toEqual(events.map((event) => event.id));
    }
    expect((await deliveriesOf(store, events)).map((row) => row.attempts)).toEqual([3, 3, 3]);
    const dead = await store.listDeadLetters({ subscriptionId: 'sub_batched', limit: 10 });
    expect(dead.map((letter) => letter.eventId).sort()).toEqual(events.map((event) => event.id).sort());
    expect(dead.every((letter) => letter.lastError?.includes('gave up after 3 attempts'))).toBe(true);
    const listed = await store.listDeliveries({ state: 'dead', subscriptionId: 'sub_batched', limit: 10 });
    expect(listed.map((delivery) => delivery.batchId)).toEqual(
      Array(3).fill(sink.received[0]!.headers['webhook-id']),
    );
  });

  it('keeps each key in order across batches: one event of a key per batch, the next after it', async () => {
    // Every batch fails once, then succeeds: a key's next event must wait for the retry.
    const seen = new Set<string>();
    const { store, loop, sink } = await setup({ maxEvents: 10, maxWaitMs: 0 }, ({ headers }) => {
      const id = String(headers['webhook-id']);
      if (seen.has(id)) return { status: 200 };
      seen.add(id);
      return { status: 500 };
    });
    const keys = ['wamid.A', 'wamid.B', 'wamid.C'];
    const events = await commitEvents(
      store,
      keys.flatMap((key) => Array.from({ length: 4 }, () => makeEvent(key))),
    );
    loop.start();

    await waitFor(allIn(store, events, 'succeeded'), 'all are delivered');
    const delivered = sink.received.filter((request) => request.status === 200);
    for (const request of delivered) {
      const batchKeys = eventsOf(request).map((event) => event.ordering_key);
      expect(new Set(batchKeys).size).toBe(batchKeys.length);
    }
    for (const key of keys) {
      const order = delivered.flatMap((request) =>
        eventsOf(request).filter((event) => event.ordering_key === key),
      );
      expect(order.map((event) => event.id)).toEqual(
        events.filter((event) => event.orderingKey === key).map((event) => event.id),
      );
      expect(order.map((event) => event.sequence)).toEqual([1, 2, 3, 4]);
    }
  });
}
