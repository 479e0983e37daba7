import { describe, expect, it } from 'vitest';
import type { DeliveryClaim } from '../../src/store/delivery-ports.js';
import type { NewEvent, Store } from '../../src/store/ports.js';
import type { ContractContext } from './contract.js';
import { failedAttempt, newEvent, subscriptionInput, successfulAttempt, T0 } from './fixtures.js';

/** Inserts events and enqueues their deliveries in one transaction, as processing does. */
export async function commitEvents(store: Store, events: readonly NewEvent[], now = T0): Promise<number> {
  return store.withProcessingTx(async (tx) => tx.enqueueDeliveries(await tx.insertEvents(events), now));
}

export function claimAt(now: number, overrides: Partial<DeliveryClaim> = {}): DeliveryClaim {
  return {
    owner: 'loop-a',
    now,
    leaseMs: 30_000,
    lane: 'live',
    limit: 100,
    slots: new Map(),
    defaultSlots: 100,
    ...overrides,
  };
}

export function deliveryQueueContract(ctx: ContractContext): void {
  const open = async () => await ctx.open();

  describe('delivery queue', () => {
    it('writes one delivery per new event and matching enabled subscription, never twice', async () => {
      const store = await open();
      await store.createSubscription(subscriptionInput('all'));
      await store.createSubscription(subscriptionInput('statuses', { events: ['message.status'] }));
      await store.createSubscription(subscriptionInput('messages', { events: ['message.*'] }));
      await store.createSubscription(subscriptionInput('elsewhere', { phoneNumberIds: ['999'] }));
      await store.createSubscription(subscriptionInput('off', { enabled: false }));
      const events = [
        newEvent('e1', { orderingKey: 'k1' }),
        newEvent('e2', { orderingKey: 'k2', type: 'message.received' }),
        newEvent('e3', { orderingKey: 'k3', type: 'account.update' }),
      ];
      expect(await commitEvents(store, events)).toBe(3 + 1 + 2);
      const stored = await store.listEvents({ afterSeq: 0, limit: 10 });
      expect(await store.withProcessingTx((tx) => tx.enqueueDeliveries(stored, T0))).toBe(0);
      const claimed = await store.claimDeliveries(claimAt(T0));
      const pairs = claimed.map((d) => `${d.subscription.id}:${d.event.id}`).sort();
      expect(pairs).toEqual(['all:e1', 'all:e2', 'all:e3', 'messages:e1', 'messages:e2', 'statuses:e1']);
    });

    it("lists an event's deliveries in every state, by the events' seqs", async () => {
      const store = await open();
      await store.createSubscription(subscriptionInput('s1'));
      await store.createSubscription(subscriptionInput('s2'));
      await commitEvents(store, [newEvent('d1', { orderingKey: 'x' }), newEvent('d2', { orderingKey: 'y' })]);
      const [first, second] = await store.listEvents({ afterSeq: 0, limit: 10 });
      const claimed = await store.claimDeliveries(claimAt(T0));
      const done = claimed.find((d) => d.event.id === 'd1' && d.subscription.id === 's1')!;
      await store.recordDeliveryAttempts([
        {
          deliveryId: done.id,
          owner: 'loop-a',
          attempt: successfulAttempt(T0),
          next: { state: 'succeeded' },
        },
      ]);
      const deliveries = await store.listEventDeliveries([first!.seq], 10);
      expect(deliveries.map((d) => [d.eventId, d.subscriptionId, d.state])).toEqual([
        ['d1', 's1', 'succeeded'],
        ['d1', 's2', 'pending'],
      ]);
      expect(deliveries[0]?.attempts).toBe(1);
      expect(deliveries[1]?.nextAttemptAt).toBeTypeOf('number');
      expect(await store.listEventDeliveries([first!.seq, second!.seq], 3)).toHaveLength(3);
      expect(await store.listEventDeliveries([], 10)).toEqual([]);
    });

    it('numbers deliveries per ordering key and hands out only the first pending one of each key', async () => {
      const store = await open();
      await store.createSubscription(subscriptionInput('sub'));
      await commitEvents(store, [newEvent('a1', { orderingKey: 'a' }), newEvent('b1', { orderingKey: 'b' })]);
      await commitEvents(store, [newEvent('a2', { orderingKey: 'a' }), newEvent('a3', { orderingKey: 'a' })]);
      const first = await store.claimDeliveries(claimAt(T0));
      expect(first.map((d) => [d.event.id, d.sequence])).toEqual([
        ['a1', 1],
        ['b1', 1],
      ]);
      const a1 = first[0]!;
      expect(a1).toMatchObject({ lane: 'live', attempts: 0, createdAt: T0 });
      expect(a1.subscription).toEqual({
        id: 'sub',
        url: subscriptionInput('sub').url,
        secret: subscriptionInput('sub').secret,
        headers: {},
      });
      expect(a1.event).toEqual(await store.getEvent('a1'));
      await store.recordDeliveryAttempts([
        { deliveryId: a1.id, owner: 'loop-a', attempt: successfulAttempt(T0), next: { state: 'succeeded' } },
      ]);
      const next = await store.claimDeliveries(claimAt(T0 + 1, { owner: 'loop-b' }));
      expect(next.map((d) => [d.event.id, d.sequence])).toEqual([['a2', 2]]);
    });

    it('leases a delivery until the lease expires and keeps to the free slots per subscription', async () => {
      const store = await open();
      await store.createSubscription(subscriptionInput('busy'));
      await store.createSubscription(subscriptionInput('idle'));
      await commitEvents(
        store,
        [1, 2, 3].map((i) => newEvent(`e${i}`, { orderingKey: `k${i}` })),
      );
      const limited = await store.claimDeliveries(
        claimAt(T0, { slots: new Map([['busy', 1]]), defaultSlots: 0, leaseMs: 1_000 }),
      );
      expect(limited.map((d) => [d.subscription.id, d.event.id])).toEqual([['busy', 'e1']]);
      const rest = await store.claimDeliveries(claimAt(T0 + 500, { owner: 'loop-b' }));
      expect(rest.map((d) => `${d.subscription.id}:${d.event.id}`).sort()).toEqual([
        'busy:e2',
        'busy:e3',
        'idle:e1',
        'idle:e2',
        'idle:e3',
      ]);
      expect(await store.claimDeliveries(claimAt(T0 + 999, { owner: 'loop-c' }))).toEqual([]);
      const expired = await store.claimDeliveries(claimAt(T0 + 1_001, { owner: 'loop-c', leaseMs: 60_000 }));
      expect(expired.map((d) => d.id)).toEqual([limited[0]!.id]);
    });

    it('reads the due rows of each subscription on their own: a long backlog hides no other', async () => {
      const store = await open();
      await store.createSubscription(subscriptionInput('backlogged', { phoneNumberIds: ['1'] }));
      await store.createSubscription(subscriptionInput('quiet', { phoneNumberIds: ['2'] }));
      const backlog = Array.from({ length: 30 }, (_, n) => newEvent(`old${n}`, { phoneNumberId: '1' }));
      await commitEvents(store, backlog, T0);
      await commitEvents(store, [newEvent('new', { phoneNumberId: '2' })], T0 + 1);
      // Two slots left for the backlogged subscription: its 30 older rows come first in due order.
      const claimed = await store.claimDeliveries(
        claimAt(T0 + 2, { limit: 4, slots: new Map([['backlogged', 2]]), defaultSlots: 2 }),
      );
      expect(claimed.map((d) => d.event.id)).toEqual(['old0', 'old1', 'new']);
      // A full subscription's rows are not handed out, whatever their number.
      const next = await store.claimDeliveries(
        claimAt(T0 + 2, { owner: 'loop-b', slots: new Map([['backlogged', 0]]), defaultSlots: 2 }),
      );
      expect(next).toEqual([]);
    });

    it('never gives one delivery to two concurrent claimers, and leaves none behind', async () => {
      const [one, two] = [await open(), await open()];
      await one.createSubscription(subscriptionInput('sub'));
      await commitEvents(
        one,
        Array.from({ length: 30 }, (_, i) => newEvent(`e${i}`, { orderingKey: `k${i}` })),
      );
      const claims = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 ? one : two).claimDeliveries(claimAt(T0, { owner: `loop${i}`, limit: 6 })),
        ),
      );
      const ids = claims.flat().map((d) => d.id);
      expect(new Set(ids).size).toBe(ids.length);
      // Claimers that picked the same row leave it to the winner; a later claim finds what is left.
      const rest = await one.claimDeliveries(claimAt(T0, { owner: 'sweeper' }));
      expect(new Set([...ids, ...rest.map((d) => d.id)]).size).toBe(30);
      expect(ids.length + rest.length).toBe(30);
    });

    it('moves a delivery only for its lease owner, except a success, which any loop may record', async () => {
      const store = await open();
      await store.createSubscription(subscriptionInput('sub'));
      await commitEvents(store, [
        newEvent('e1', { orderingKey: 'k1' }),
        newEvent('e2', { orderingKey: 'k2' }),
      ]);
      const [d1, d2] = await store.claimDeliveries(claimAt(T0, { owner: 'a' }));
      const retry = { state: 'pending', nextAttemptAt: T0 + 5_000 } as const;
      expect(
        await store.recordDeliveryAttempts([
          { deliveryId: d1!.id, owner: 'b', attempt: failedAttempt(T0), next: retry },
          { deliveryId: d1!.id, owner: 'a', attempt: failedAttempt(T0 + 1), next: retry },
          {
            deliveryId: d2!.id,
            owner: 'b',
            attempt: successfulAttempt(T0 + 2),
            next: { state: 'succeeded' },
          },
          {
            deliveryId: d2!.id,
            owner: 'a',
            attempt: successfulAttempt(T0 + 3),
            next: { state: 'succeeded' },
          },
        ]),
      ).toEqual([false, true, true, false]);
      expect(await store.claimDeliveries(claimAt(T0 + 4_999))).toEqual([]);
      const again = await store.claimDeliveries(claimAt(T0 + 5_000, { owner: 'c' }));
      expect(again.map((d) => [d.id, d.attempts])).toEqual([[d1!.id, 1]]);
      await store.recordDeliveryAttempts([
        {
          deliveryId: d1!.id,
          owner: 'c',
          attempt: failedAttempt(T0 + 5_000, 'HTTP 503'),
          next: { state: 'dead', error: 'retries used up' },
        },
      ]);
      const dead = await store.getDeadLetter(d1!.id);
      expect(dead).toMatchObject({
        eventId: 'e1',
        eventType: 'message.status',
        attempts: 2,
        lastStatus: 500,
      });
      expect(dead).toMatchObject({ lastError: 'retries used up', deadAt: T0 + 5_000 + 12 });
      expect(dead?.attemptLog.map((a) => [a.attemptedAt, a.outcome, a.status, a.latencyMs, a.error])).toEqual(
        [
          [T0, 'http_error', 500, 12, 'HTTP 500'],
          [T0 + 1, 'http_error', 500, 12, 'HTTP 500'],
          [T0 + 5_000, 'http_error', 500, 12, 'HTTP 503'],
        ],
      );
      expect(await store.getDeadLetter(d2!.id)).toBeUndefined();
    });

    it('puts a deferred delivery back unsent: lease freed, next attempt later, nothing counted', async () => {
      const store = await open();
      await store.createSubscription(subscriptionInput('sub'));
      await commitEvents(store, [
        newEvent('e1', { orderingKey: 'k1' }),
        newEvent('e2', { orderingKey: 'k2' }),
      ]);
      const [d1, d2] = await store.claimDeliveries(claimAt(T0, { owner: 'a' }));
      await store.deferDeliveries([
        { deliveryId: d1!.id, owner: 'a', nextAttemptAt: T0 + 30_000 },
        // Not the lease owner: changes nothing.
        { deliveryId: d2!.id, owner: 'b', nextAttemptAt: T0 + 30_000 },
      ]);
      expect(await store.claimDeliveries(claimAt(T0 + 29_999, { owner: 'c', leaseMs: 1 }))).toEqual([]);
      const again = await store.claimDeliveries(claimAt(T0 + 30_000, { owner: 'c' }));
      expect(again.map((d) => [d.event.id, d.attempts])).toEqual([['e1', 0]]);
      expect(await store.deliveryQueueStats(T0 + 30_000)).toMatchObject({ pending: 2, dead: 0 });
    });

    it('makes a leased delivery due at its lease end, and a deferred one at the deferral, however long the lease', async () => {
      const store = await open();
      await store.createSubscription(subscriptionInput('sub'));
      await commitEvents(store, [
        newEvent('e1', { orderingKey: 'k1' }),
        newEvent('e2', { orderingKey: 'k2' }),
      ]);
      const [d1] = await store.claimDeliveries(claimAt(T0, { owner: 'a', leaseMs: 600_000 }));
      // In flight: pending, but not due, so the next claim does not read it again.
      expect(await store.deliveryQueueStats(T0 + 1)).toMatchObject({ pending: 2, due: 0, oldestDueAt: null });
      await store.deferDeliveries([{ deliveryId: d1!.id, owner: 'a', nextAttemptAt: T0 + 30_000 }]);
      const deferred = await store.claimDeliveries(claimAt(T0 + 30_000, { owner: 'c', leaseMs: 1_000_000 }));
      expect(deferred.map((d) => d.event.id)).toEqual(['e1']);
      expect(await store.claimDeliveries(claimAt(T0 + 599_999, { owner: 'c' }))).toEqual([]);
      // e2's lease ran out without an outcome: due again from its end.
      const expired = await store.claimDeliveries(claimAt(T0 + 600_001, { owner: 'c' }));
      expect(expired.map((d) => d.event.id)).toEqual(['e2']);
    });

    it('counts due, pending and dead deliveries', async () => {
      const store = await open();
      expect(await store.deliveryQueueStats(T0)).toEqual({ due: 0, pending: 0, dead: 0, oldestDueAt: null });
      await store.createSubscription(subscriptionInput('sub'));
      await commitEvents(
        store,
        [1, 2, 3].map((i) => newEvent(`e${i}`, { orderingKey: `k${i}` })),
        T0 + 10,
      );
      const [d1, d2] = await store.claimDeliveries(claimAt(T0 + 10, { limit: 2 }));
      await store.recordDeliveryAttempts([
        {
          deliveryId: d1!.id,
          owner: 'loop-a',
          attempt: failedAttempt(T0),
          next: { state: 'pending', nextAttemptAt: T0 + 100 },
        },
        {
          deliveryId: d2!.id,
          owner: 'loop-a',
          attempt: failedAttempt(T0),
          next: { state: 'dead', error: 'gone' },
        },
      ]);
      expect(await store.deliveryQueueStats(T0 + 50)).toEqual({
        due: 1,
        pending: 2,
        dead: 1,
        oldestDueAt: T0 + 10,
      });
      expect(await store.deliveryQueueStats(T0 + 100)).toEqual({
        due: 2,
        pending: 2,
        dead: 1,
        oldestDueAt: T0 + 10,
      });
    });
  });
}
