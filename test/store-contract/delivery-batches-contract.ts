import { describe, expect, it } from 'vitest';
import type { ClaimedDelivery } from '../../src/store/delivery-ports.js';
import type { ContractContext } from './contract.js';
import { claimAt, commitEvents } from './delivery-queue-contract.js';
import { failedAttempt, newEvent, subscriptionInput, T0 } from './fixtures.js';

/** Batched subscriptions: which due deliveries one claim hands out together, under which id. */
export function deliveryBatchesContract(ctx: ContractContext): void {
  const open = async () => await ctx.open();
  const batched = (maxEvents: number, maxWaitMs: number) =>
    subscriptionInput('sub', { batch: { maxEvents, maxWaitMs } });
  const ids = (claimed: readonly ClaimedDelivery[]) => claimed.map((d) => d.event.id);
  const batchIds = (claimed: readonly ClaimedDelivery[]) => [...new Set(claimed.map((d) => d.batchId))];

  describe('delivery batches', () => {
    it('hands out full batches under one id each, one event per key, and holds a partial one', async () => {
      const store = await open();
      await store.createSubscription(batched(3, 1_000));
      const keys = ['k1', 'k2', 'k3', 'k4', 'k5'];
      await commitEvents(
        store,
        keys.flatMap((key) => [
          newEvent(`${key}a`, { orderingKey: key }),
          newEvent(`${key}b`, { orderingKey: key }),
        ]),
      );
      const first = await store.claimDeliveries(claimAt(T0));
      expect(ids(first)).toEqual(['k1a', 'k2a', 'k3a']);
      expect(batchIds(first)).toHaveLength(1);
      expect(first[0]!.batchId).toMatch(/^bat_[a-z2-7]{26}$/);
      // k4a and k5a are a partial batch: nothing more until the oldest has waited max_wait.
      expect(await store.claimDeliveries(claimAt(T0 + 999))).toEqual([]);
      const partial = await store.claimDeliveries(claimAt(T0 + 1_000));
      expect(ids(partial)).toEqual(['k4a', 'k5a']);
      expect(batchIds(partial)).toHaveLength(1);
      expect(partial[0]!.batchId).not.toBe(first[0]!.batchId);
    });

    it('counts a batch as one slot and as one unit of the claim limit', async () => {
      const store = await open();
      await store.createSubscription(batched(2, 0));
      await commitEvents(
        store,
        ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'].map((key) => newEvent(key, { orderingKey: key })),
      );
      const claimed = await store.claimDeliveries(claimAt(T0, { limit: 2, slots: new Map([['sub', 5]]) }));
      expect(ids(claimed)).toEqual(['k1', 'k2', 'k3', 'k4']);
      expect(batchIds(claimed)).toHaveLength(2);
    });

    it('brings a failed batch back whole under the same id, apart from newer deliveries', async () => {
      const store = await open();
      await store.createSubscription(batched(3, 0));
      await commitEvents(
        store,
        ['k1', 'k2', 'k3'].map((key) => newEvent(key, { orderingKey: key })),
      );
      const sent = await store.claimDeliveries(claimAt(T0, { owner: 'a' }));
      expect(ids(sent)).toEqual(['k1', 'k2', 'k3']);
      const retry = { state: 'pending', nextAttemptAt: T0 + 5_000 } as const;
      await store.recordDeliveryAttempts(
        sent.map((d) => ({ deliveryId: d.id, owner: 'a', attempt: failedAttempt(T0), next: retry })),
      );
      // Newer events of other keys go in batches of their own meanwhile.
      await commitEvents(
        store,
        ['k4', 'k5'].map((key) => newEvent(key, { orderingKey: key })),
        T0 + 10,
      );
      const newer = await store.claimDeliveries(claimAt(T0 + 10, { owner: 'b' }));
      expect(ids(newer)).toEqual(['k4', 'k5']);
      expect(newer[0]!.batchId).not.toBe(sent[0]!.batchId);
      const again = await store.claimDeliveries(claimAt(T0 + 5_000, { owner: 'c' }));
      expect(ids(again)).toEqual(['k1', 'k2', 'k3']);
      expect(batchIds(again)).toEqual([sent[0]!.batchId]);
      expect(again.map((d) => d.attempts)).toEqual([1, 1, 1]);
    });

    it('sends a retried batch only whole: a part is let go again, unsent', async () => {
      const store = await open();
      await store.createSubscription(batched(4, 0));
      await commitEvents(
        store,
        ['k1', 'k2', 'k3', 'k4'].map((key) => newEvent(key, { orderingKey: key })),
      );
      const sent = await store.claimDeliveries(claimAt(T0, { owner: 'a' }));
      const retry = { state: 'pending', nextAttemptAt: T0 + 5_000 } as const;
      await store.recordDeliveryAttempts(
        sent.map((d) => ({ deliveryId: d.id, owner: 'a', attempt: failedAttempt(T0), next: retry })),
      );
      // One free slot reads one batch's worth of rows; four older due rows come first in it.
      await commitEvents(
        store,
        ['k5', 'k6', 'k7'].map((key) => newEvent(key, { orderingKey: key })),
        T0 + 1,
      );
      await store.updateSubscription('sub', { batch: { maxEvents: 4, maxWaitMs: 60_000 } }, T0 + 1);
      const cut = await store.claimDeliveries(claimAt(T0 + 5_000, { slots: new Map([['sub', 1]]) }));
      expect(cut).toEqual([]);
      // Nothing is left leased: with room, the whole retried batch goes out.
      const whole = await store.claimDeliveries(claimAt(T0 + 5_000, { owner: 'b' }));
      expect(whole.filter((d) => d.batchId === sent[0]!.batchId).map((d) => d.event.id)).toEqual([
        'k1',
        'k2',
        'k3',
        'k4',
      ]);
    });

    it('hands out replayed dead letters of a batched subscription one by one', async () => {
      const store = await open();
      await store.createSubscription(batched(3, 0));
      await commitEvents(
        store,
        ['k1', 'k2'].map((key) => newEvent(key, { orderingKey: key })),
      );
      const sent = await store.claimDeliveries(claimAt(T0, { owner: 'a' }));
      await store.recordDeliveryAttempts(
        sent.map((d) => ({
          deliveryId: d.id,
          owner: 'a',
          attempt: failedAttempt(T0),
          next: { state: 'dead', error: 'gave up' },
        })),
      );
      expect(await store.replayDeadLetters({ subscriptionId: 'sub' }, { now: T0 + 1, dryRun: false })).toBe(
        2,
      );
      const replayed = await store.claimDeliveries(claimAt(T0 + 1, { lane: 'replay' }));
      expect(ids(replayed).sort()).toEqual(['k1', 'k2']);
      expect(replayed.map((d) => d.batchId)).toEqual([null, null]);
    });
  });
}
