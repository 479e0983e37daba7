import { afterEach, expect, it } from 'vitest';
import { DeliveryLoop } from '../../src/deliver/delivery-loop.js';
import { type DeliveryOptions, deliveryOptions } from '../../src/deliver/options.js';
import { systemClock } from '../../src/lib/clock.js';
import { Bus } from '../../src/observe/bus.js';
import type { PostgresStore } from '../../src/store/postgres/store.js';
import {
  type BackendStore,
  commitEvents,
  describeEachStore,
  type EachStore,
  makeEvent,
  startSubscriber,
} from '../helpers/delivery-fixtures.js';
import { waitFor } from '../helpers/wait.js';
import { subscriptionInput } from '../store-contract/fixtures.js';

/**
 * A subscriber that answers 410 Gone receives one request, never more: the attempt that frees its
 * ordering key's next delivery is recorded in the same transaction that disables the subscription,
 * so no claim can take that next delivery in between. On PostgreSQL the test holds the
 * subscription's row lock while the 410 is recorded, which keeps the disable from committing for
 * as long as the test likes: if the attempt record could commit without it, the loop would claim
 * and send the next delivery meanwhile.
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Gone {
  temp: BackendStore;
  bus: Bus;
  loop: DeliveryLoop;
  subscriptionId: string;
  requests: () => number;
}

async function setup(stores: EachStore, options: Partial<DeliveryOptions> = {}): Promise<Gone> {
  const temp = await stores.open();
  cleanups.push(temp.close);
  let requests = 0;
  const gone = await startSubscriber(() => {
    requests += 1;
    return { status: 410, body: 'unsubscribed' };
  });
  cleanups.push(gone.close);
  const subscription = await temp.store.createSubscription(
    subscriptionInput(`sub_gone_${Math.random().toString(36).slice(2)}`, { url: gone.url, now: Date.now() }),
  );
  const bus = new Bus();
  const loop = new DeliveryLoop({
    store: temp.store,
    bus,
    clock: systemClock,
    options: deliveryOptions(
      { retryDelaysMs: [5, 10], deliveryTimeoutMs: 2_000, deliveryAllowPrivate: true },
      { pollMs: 5, ...options },
    ),
  });
  cleanups.push(() => loop.stop());
  return { temp, bus, loop, subscriptionId: subscription.id, requests: () => requests };
}

/**
 * Starts the loop and lets the first 410 be recorded. On PostgreSQL the subscription's row stays
 * locked until the recording transaction waits on it and the loop has gone round 20 more times.
 */
async function runPastTheFirstAnswer({ temp, bus, loop, subscriptionId }: Gone): Promise<void> {
  if (temp.backend === 'sqlite') {
    loop.start();
    return;
  }
  const locker = await (temp.store as PostgresStore).pool.connect();
  try {
    await locker.query('BEGIN');
    await locker.query('SELECT id FROM subscriptions WHERE id = $1 FOR UPDATE', [subscriptionId]);
    const pid = (await locker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    let turns = 0;
    bus.on('loop:ok', () => {
      turns += 1;
    });
    loop.start();
    await waitFor(async () => {
      const blocked = await temp.rows<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
        [pid],
      );
      return (blocked[0]?.n ?? 0) > 0;
    }, 'the 410 waits on the subscription row');
    const waitingSince = turns;
    await waitFor(() => turns >= waitingSince + 20, '20 more turns of the delivery loop');
  } finally {
    await locker.query('COMMIT');
    locker.release();
  }
}

async function expectOneRequestAndTheRestDisabled(gone: Gone, total: number): Promise<void> {
  const { temp, subscriptionId } = gone;
  await waitFor(async () => {
    const rows = await temp.rows<{ state: string }>('SELECT state FROM deliveries');
    return rows.length === total && rows.every((row) => row.state === 'dead');
  }, 'every delivery is dead');
  expect(gone.requests()).toBe(1);
  const subscription = await temp.store.getSubscription(subscriptionId);
  expect(subscription?.enabled).toBe(false);
  expect(subscription?.disabledReason).toBe('the endpoint answered 410 Gone');
  const rows = await temp.rows<{ attempts: number; last_error: string | null; last_status: number | null }>(
    'SELECT attempts, last_error, last_status FROM deliveries ORDER BY attempts DESC, id',
  );
  const [answered, ...rest] = rows;
  expect(answered).toMatchObject({ attempts: 1, last_status: 410 });
  expect(rest).toHaveLength(total - 1);
  for (const row of rest) {
    expect(row).toMatchObject({
      attempts: 0,
      last_error: 'subscription disabled: the endpoint answered 410 Gone',
    });
  }
}

describeEachStore('a subscription that answers 410 Gone', (stores) => {
  it('gets one request when several deliveries wait on one ordering key', async () => {
    const gone = await setup(stores);
    await commitEvents(
      gone.temp.store,
      Array.from({ length: 4 }, () => makeEvent('wamid.GONE')),
    );
    await runPastTheFirstAnswer(gone);
    await expectOneRequestAndTheRestDisabled(gone, 4);
  });

  it('gets one request when deliveries of several keys wait and its window is 1', async () => {
    const gone = await setup(stores, { perSubscription: 1, initialWindow: 1 });
    await commitEvents(
      gone.temp.store,
      ['wamid.A', 'wamid.B', 'wamid.C', 'wamid.D'].map((key) => makeEvent(key)),
    );
    await runPastTheFirstAnswer(gone);
    await expectOneRequestAndTheRestDisabled(gone, 4);
  });
});
