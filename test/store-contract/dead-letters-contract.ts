import { describe, expect, it } from 'vitest';
import type { DeliveryStore } from '../../src/store/delivery-ports.js';
import type { Store } from '../../src/store/ports.js';
import type { ContractContext } from './contract.js';
import { claimAt, commitEvents } from './delivery-queue-contract.js';
import { failedAttempt, newEvent, subscriptionInput, T0 } from './fixtures.js';

/** Kills every due delivery: each dies at `T0 + i * 10` with error `err-<event id>` (plus latency). */
async function killAll(store: Store & DeliveryStore, errors: Record<string, string> = {}): Promise<void> {
  const claimed = await store.claimDeliveries(claimAt(T0));
  await store.recordDeliveryAttempts(
    claimed.map((d, i) => ({
      deliveryId: d.id,
      owner: 'loop-a',
      attempt: failedAttempt(T0 + i * 10),
      next: { state: 'dead', error: errors[d.event.id] ?? `err-${d.event.id}` },
    })),
  );
}

export function deadLettersContract(ctx: ContractContext): void {
  const open = async () => await ctx.open();

  describe('dead letters', () => {
    it('lists dead letters by subscription, time and error text, paging by id', async () => {
      const store = await open();
      await store.createSubscription(subscriptionInput('a'));
      await store.createSubscription(subscriptionInput('b', { events: ['message.received'] }));
      await commitEvents(store, [
        newEvent('e1', { orderingKey: 'k1' }),
        newEvent('e2', { orderingKey: 'k2', type: 'message.received' }),
        newEvent('e3', { orderingKey: 'k3' }),
      ]);
      await killAll(store, { e2: 'HTTP 500: 100%_done' });
      const all = await store.listDeadLetters({ limit: 10 });
      expect(all.map((d) => `${d.subscriptionId}:${d.eventId}`)).toEqual(['a:e1', 'a:e2', 'b:e2', 'a:e3']);
      expect(all[0]).toMatchObject({
        eventType: 'message.status',
        attempts: 1,
        lastStatus: 500,
        deadAt: T0 + 12,
      });
      const page = await store.listDeadLetters({ limit: 2, afterId: all[1]!.id });
      expect(page.map((d) => d.id)).toEqual([all[2]!.id, all[3]!.id]);
      const ofB = await store.listDeadLetters({ limit: 10, subscriptionId: 'b' });
      expect(ofB.map((d) => d.eventId)).toEqual(['e2']);
      const late = await store.listDeadLetters({ limit: 10, since: all[2]!.deadAt });
      expect(late.map((d) => d.id)).toEqual([all[2]!.id, all[3]!.id]);
      const literal = await store.listDeadLetters({ limit: 10, errorContains: '100%_DONE' });
      expect(literal.map((d) => d.eventId)).toEqual(['e2', 'e2']);
    });

    it('replays dead letters into the replay lane with a fresh budget, by id or by filter', async () => {
      const store = await open();
      await store.createSubscription(subscriptionInput('sub'));
      await commitEvents(
        store,
        [1, 2, 3].map((i) => newEvent(`e${i}`, { orderingKey: `k${i}` })),
      );
      await killAll(store);
      const [d1, , d3] = await store.listDeadLetters({ limit: 10 });
      const now = T0 + 1_000;
      expect(await store.replayDeadLetters({ ids: [d1!.id] }, { now, dryRun: true })).toBe(1);
      expect((await store.deliveryQueueStats(now)).dead).toBe(3);
      expect(await store.replayDeadLetters({ ids: [d1!.id, 999_999] }, { now, dryRun: false })).toBe(1);
      expect(await store.claimDeliveries(claimAt(now))).toEqual([]);
      const replayed = await store.claimDeliveries(claimAt(now, { lane: 'replay' }));
      expect(replayed.map((d) => [d.id, d.lane, d.attempts, d.event.id])).toEqual([
        [d1!.id, 'replay', 0, 'e1'],
      ]);
      expect(await store.replayDeadLetters({ subscriptionId: 'sub' }, { now, dryRun: false, limit: 1 })).toBe(
        1,
      );
      expect((await store.listDeadLetters({ limit: 10 })).map((d) => d.id)).toEqual([d3!.id]);
    });

    it('leaves the dead letters of a disabled subscription where they are', async () => {
      const store = await open();
      await store.createSubscription(subscriptionInput('sub'));
      await commitEvents(store, [newEvent('e1')]);
      await killAll(store);
      await store.updateSubscription('sub', { enabled: false }, T0 + 1);
      expect(await store.replayDeadLetters({ subscriptionId: 'sub' }, { now: T0 + 2, dryRun: false })).toBe(
        0,
      );
      await store.updateSubscription('sub', { enabled: true }, T0 + 3);
      expect(await store.replayDeadLetters({ subscriptionId: 'sub' }, { now: T0 + 4, dryRun: false })).toBe(
        1,
      );
    });

    it('holds a replayed delivery back behind an earlier pending one of its key, but not a live one behind it', async () => {
      const store = await open();
      await store.createSubscription(subscriptionInput('sub'));
      await commitEvents(store, [newEvent('e1', { orderingKey: 'k' })]);
      await killAll(store);
      await commitEvents(store, [newEvent('e2', { orderingKey: 'k' })]);
      await store.replayDeadLetters({ subscriptionId: 'sub' }, { now: T0, dryRun: false });
      const live = await store.claimDeliveries(claimAt(T0, { owner: 'live' }));
      expect(live.map((d) => d.event.id)).toEqual(['e2']);
      const replay = await store.claimDeliveries(claimAt(T0, { owner: 'replay', lane: 'replay' }));
      expect(replay.map((d) => d.event.id)).toEqual(['e1']);
    });
  });
}

export function deliveryListingContract(ctx: ContractContext): void {
  describe('delivery listing', () => {
    it('lists pending and dead deliveries by subscription, paging by id, and counts backlogs', async () => {
      const store = await ctx.open();
      await store.createSubscription(subscriptionInput('a'));
      await store.createSubscription(subscriptionInput('b'));
      await commitEvents(store, [
        newEvent('e1', { orderingKey: 'k1' }),
        newEvent('e2', { orderingKey: 'k2' }),
      ]);
      const pending = await store.listDeliveries({ state: 'pending', limit: 10 });
      expect(pending.map((d) => `${d.subscriptionId}:${d.eventId}`).sort()).toEqual([
        'a:e1',
        'a:e2',
        'b:e1',
        'b:e2',
      ]);
      expect(pending[0]).toMatchObject({ state: 'pending', attempts: 0, lastError: null, deadAt: null });
      expect(typeof pending[0]!.nextAttemptAt).toBe('number');
      const page = await store.listDeliveries({ state: 'pending', limit: 2, afterId: pending[1]!.id });
      expect(page.map((d) => d.id)).toEqual([pending[2]!.id, pending[3]!.id]);
      const ofB = await store.listDeliveries({ state: 'pending', subscriptionId: 'b', limit: 10 });
      expect(ofB.map((d) => d.eventId).sort()).toEqual(['e1', 'e2']);
      expect(await store.listDeliveries({ state: 'dead', limit: 10 })).toEqual([]);
      const backlogs = await store.subscriptionBacklogs();
      expect(backlogs.map((b) => [b.subscriptionId, b.pending, b.dead])).toEqual([
        ['a', 2, 0],
        ['b', 2, 0],
      ]);
      expect(typeof backlogs[0]!.oldestPendingAt).toBe('number');
    });

    it('holds a paused subscription back without turning anything dead', async () => {
      const store = await ctx.open();
      await store.createSubscription(subscriptionInput('sub'));
      await commitEvents(store, [newEvent('e1')]);
      const paused = await store.setSubscriptionPaused('sub', true, T0 + 5);
      expect(paused?.pausedAt).toBe(T0 + 5);
      expect(await store.claimDeliveries(claimAt(T0 + 10))).toEqual([]);
      expect(await store.listDeliveries({ state: 'pending', limit: 10 })).toHaveLength(1);
      const resumed = await store.setSubscriptionPaused('sub', false, T0 + 20);
      expect(resumed?.pausedAt).toBeNull();
      expect(await store.claimDeliveries(claimAt(T0 + 30))).toHaveLength(1);
      expect(await store.setSubscriptionPaused('missing', true, T0)).toBeUndefined();
    });

    it('counts the dead letters a selector matches per subscription, whatever its state', async () => {
      const store = await ctx.open();
      await store.createSubscription(subscriptionInput('sub'));
      await commitEvents(store, [newEvent('e1')]);
      await killAll(store);
      await store.updateSubscription('sub', { enabled: false }, T0 + 100);
      expect(await store.replayDeadLetters({ subscriptionId: 'sub' }, { now: T0 + 200, dryRun: true })).toBe(
        0,
      );
      expect(await store.matchDeadLetters({ subscriptionId: 'sub' }, 100)).toEqual([
        { subscriptionId: 'sub', count: 1 },
      ]);
      expect(await store.matchDeadLetters({ subscriptionId: 'other' }, 100)).toEqual([]);
    });
  });
}
