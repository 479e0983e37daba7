import { describe, expect, it } from 'vitest';
import type { ContractContext } from './contract.js';
import { newEvent, subscriptionInput, T0 } from './fixtures.js';

export function subscriptionsContract(ctx: ContractContext): void {
  const open = async () => await ctx.open();

  describe('subscriptions', () => {
    it('creates subscriptions and reads them back by id and in creation order', async () => {
      const store = await open();
      const filtered = subscriptionInput('sub_b', {
        events: ['message.*', 'account.update'],
        phoneNumberIds: ['106540352242922'],
        headers: { 'x-tenant': 'acme', authorization: 'Bearer t' },
        description: 'CRM ✓',
        batch: { maxEvents: 50, maxWaitMs: 2_000 },
        now: T0 + 1,
      });
      const created = await store.createSubscription(filtered);
      await store.createSubscription(subscriptionInput('sub_a', { now: T0 + 2 }));
      const { now: _now, ...spec } = filtered;
      expect(created).toEqual({
        ...spec,
        disabledReason: null,
        pausedAt: null,
        createdAt: T0 + 1,
        updatedAt: T0 + 1,
      });
      expect(await store.getSubscription('sub_b')).toEqual(created);
      expect(await store.getSubscription('sub_none')).toBeUndefined();
      expect((await store.listSubscriptions()).map((s) => s.id)).toEqual(['sub_b', 'sub_a']);
      expect((await store.getSubscription('sub_a'))?.batch).toBeNull();
    });

    it('changes and clears the batch policy, and a patch without it keeps it', async () => {
      const store = await open();
      await store.createSubscription(subscriptionInput('sub'));
      const batched = await store.updateSubscription(
        'sub',
        { batch: { maxEvents: 10, maxWaitMs: 500 } },
        T0 + 1,
      );
      expect(batched?.batch).toEqual({ maxEvents: 10, maxWaitMs: 500 });
      const kept = await store.updateSubscription('sub', { description: 'x' }, T0 + 2);
      expect(kept?.batch).toEqual({ maxEvents: 10, maxWaitMs: 500 });
      const cleared = await store.updateSubscription('sub', { batch: null }, T0 + 3);
      expect(cleared?.batch).toBeNull();
    });

    it('changes only the given fields, and disabling dead-letters the pending deliveries', async () => {
      const store = await open();
      await store.createSubscription(subscriptionInput('sub', { description: 'kept' }));
      await store.withProcessingTx(async (tx) =>
        tx.enqueueDeliveries(await tx.insertEvents([newEvent('e1')]), T0),
      );
      const moved = await store.updateSubscription('sub', { url: 'https://new.example.com/' }, T0 + 5);
      expect(moved).toMatchObject({
        url: 'https://new.example.com/',
        description: 'kept',
        updatedAt: T0 + 5,
      });
      const disabled = await store.updateSubscription('sub', { enabled: false }, T0 + 6);
      expect(disabled).toMatchObject({ enabled: false, disabledReason: 'disabled by an operator' });
      const dead = await store.listDeadLetters({ limit: 10 });
      expect(dead).toMatchObject([
        { eventId: 'e1', subscriptionId: 'sub', lastError: 'subscription disabled: disabled by an operator' },
      ]);
      const enabled = await store.updateSubscription('sub', { enabled: true }, T0 + 7);
      expect(enabled).toMatchObject({ enabled: true, disabledReason: null });
      expect(await store.updateSubscription('sub_none', { enabled: false }, T0)).toBeUndefined();
    });

    it('deletes a subscription with its deliveries and dead letters', async () => {
      const store = await open();
      await store.createSubscription(subscriptionInput('sub'));
      await store.withProcessingTx(async (tx) =>
        tx.enqueueDeliveries(await tx.insertEvents([newEvent('e1')]), T0),
      );
      await store.updateSubscription('sub', { enabled: false }, T0 + 1);
      expect(await store.deleteSubscription('sub')).toBe(true);
      expect(await store.deleteSubscription('sub')).toBe(false);
      expect(await store.listDeadLetters({ limit: 10 })).toEqual([]);
      expect((await store.deliveryQueueStats(T0 + 2)).dead).toBe(0);
    });

    it('syncs the subscriptions file: creates, updates, adopts and disables the unlisted', async () => {
      const store = await open();
      await store.createSubscription(subscriptionInput('adopted'));
      const file = (id: string, secret: string | null, url = `https://file.example.com/${id}`) => ({
        ...subscriptionInput(id, { url }),
        secret,
      });
      let secrets = 0;
      const newSecret = () => `whsec_generated${++secrets}`;
      const first = await store.syncFileSubscriptions(
        [file('a', null), file('b', 'whsec_b'), file('adopted', null)],
        T0,
        newSecret,
      );
      expect(first).toEqual({ created: ['a', 'b'], updated: ['adopted'], disabled: [] });
      expect(await store.getSubscription('a')).toMatchObject({ secret: 'whsec_generated1', source: 'file' });
      expect(await store.getSubscription('adopted')).toMatchObject({
        source: 'file',
        secret: subscriptionInput('adopted').secret,
      });
      const second = await store.syncFileSubscriptions(
        [file('a', null, 'https://moved.example.com/')],
        T0 + 1,
        newSecret,
      );
      expect(second).toEqual({ created: [], updated: ['a'], disabled: ['adopted', 'b'] });
      expect(await store.getSubscription('a')).toMatchObject({
        url: 'https://moved.example.com/',
        secret: 'whsec_generated1',
      });
      expect(await store.getSubscription('b')).toMatchObject({
        enabled: false,
        disabledReason: 'removed from WAHOOK_SUBSCRIPTIONS_FILE',
      });
    });

    it('creates each file subscription once when two nodes sync at the same time', async () => {
      const store = await open();
      const other = await ctx.concurrentWriter(store);
      const file = [{ ...subscriptionInput('a'), secret: null }];
      const results = await Promise.all([
        store.syncFileSubscriptions(file, T0, () => 'whsec_one'),
        other.syncFileSubscriptions(file, T0, () => 'whsec_two'),
      ]);
      expect(results.flatMap((result) => result.created)).toEqual(['a']);
      expect(results.flatMap((result) => result.updated)).toEqual(['a']);
      expect(await store.listSubscriptions()).toHaveLength(1);
    });
  });
}
