import { afterEach, expect, it } from 'vitest';
import type { ClaimedDelivery, DeliveryClaim } from '../../src/store/delivery-ports.js';
import type { Store } from '../../src/store/ports.js';
import type { PostgresStore } from '../../src/store/postgres/store.js';
import { commitEvents, describeEachStore, makeEvent } from '../helpers/delivery-fixtures.js';
import { subscriptionInput } from '../store-contract/fixtures.js';

/**
 * The claim reads each subscription's batch settings in its own query: an update is seen by the
 * very next claim, and on PostgreSQL a claim costs no statement of its own for them.
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function claimAt(now: number, owner = 'loop-a'): DeliveryClaim {
  return { owner, now, leaseMs: 30_000, lane: 'live', limit: 100, slots: new Map(), defaultSlots: 100 };
}

async function batchedSubscription(store: Store, id: string, maxEvents: number) {
  await store.createSubscription(
    subscriptionInput(id, { batch: { maxEvents, maxWaitMs: 0 }, now: Date.now() }),
  );
}

const batchSizes = (claimed: readonly ClaimedDelivery[]) => {
  const sizes = new Map<string | null, number>();
  for (const delivery of claimed) sizes.set(delivery.batchId, (sizes.get(delivery.batchId) ?? 0) + 1);
  return [...sizes.values()];
};

/**
 * `count` events of as many keys, due now, and one claim (which reads at most two batches of a
 * batched subscription); what it claimed succeeds, so the next round starts empty.
 */
async function claimRound(store: Store, count: number, now: number, owner: string): Promise<number[]> {
  await commitEvents(
    store,
    Array.from({ length: count }, (_, i) => makeEvent(`wamid.${owner}.${i}`)),
    now,
  );
  const claimed = await store.claimDeliveries(claimAt(now, owner));
  await store.recordDeliveryAttempts(
    claimed.map((delivery) => ({
      deliveryId: delivery.id,
      owner,
      attempt: {
        attemptedAt: now,
        outcome: 'success',
        status: 204,
        latencyMs: 1,
        responsePrefix: null,
        error: null,
      },
      next: { state: 'succeeded' },
    })),
  );
  return batchSizes(claimed);
}

describeEachStore('the claim and batch settings', (stores) => {
  it('uses a batch size changed by an update from the very next claim', async () => {
    const temp = await stores.open();
    cleanups.push(temp.close);
    await batchedSubscription(temp.store, 'sub_batched', 2);
    const now = Date.now();
    expect(await claimRound(temp.store, 4, now, 'first')).toEqual([2, 2]);

    await temp.store.updateSubscription('sub_batched', { batch: { maxEvents: 3, maxWaitMs: 0 } }, now);
    expect(await claimRound(temp.store, 6, now, 'second')).toEqual([3, 3]);

    await temp.store.updateSubscription('sub_batched', { batch: null }, now);
    expect(await claimRound(temp.store, 6, now, 'third')).toEqual([6]);
  });

  it.skipIf(stores.backend === 'sqlite')(
    'costs PostgreSQL two statements for a claim of new deliveries: read them, lease them',
    async () => {
      const temp = await stores.open();
      cleanups.push(temp.close);
      await batchedSubscription(temp.store, 'sub_batched', 2);
      const now = Date.now();
      // The first claim may also check the planner statistics (at most every 2 s): not counted.
      await temp.store.claimDeliveries(claimAt(now));
      await commitEvents(temp.store, [makeEvent('wamid.one'), makeEvent('wamid.two')], now);

      const pool = (temp.store as PostgresStore).pool;
      const statements: string[] = [];
      const query = pool.query.bind(pool);
      pool.query = ((...args: Parameters<typeof query>) => {
        statements.push(String(args[0]).trim().split(/\s+/)[0] ?? '');
        return query(...args);
      }) as typeof pool.query;
      const claimed = await temp.store.claimDeliveries(claimAt(now));
      pool.query = query;

      expect(batchSizes(claimed)).toEqual([2]);
      expect(statements).toEqual(['WITH', 'UPDATE']);
    },
  );
});
