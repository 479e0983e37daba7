import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/store/ports.js';
import type { ContractContext } from './contract.js';
import { gate, inboxAppend, newEvent, storedMessage, T0 } from './fixtures.js';

export function eventsContract(ctx: ContractContext): void {
  describe('events', () => {
    it('inserts new events in increasing seq and skips ids already stored', async () => {
      const store = await ctx.open();
      const [a, b, c] = [newEvent('a'), newEvent('b', { type: 'message.received' }), newEvent('c')];
      const first = await store.withProcessingTx((tx) => tx.insertEvents([a, b]));
      expect(first.map(withoutSeq)).toEqual([a, b]);
      expect(first[0]!.seq).toBeLessThan(first[1]!.seq);
      const second = await store.withProcessingTx((tx) => tx.insertEvents([b, c]));
      expect(second.map(withoutSeq)).toEqual([c]);
      expect(second[0]!.seq).toBeGreaterThan(first[1]!.seq);
      expect(await store.listEvents({ afterSeq: 0, limit: 10 })).toEqual([...first, ...second]);
      expect(await store.getEvent('b')).toEqual(first[1]);
      expect(await store.getEvent('missing')).toBeUndefined();
    });

    it('answers the seq of the newest event, 0 for an empty log', async () => {
      const store = await ctx.open();
      expect(await store.lastEventSeq()).toBe(0);
      const inserted = await store.withProcessingTx((tx) => tx.insertEvents([newEvent('p'), newEvent('q')]));
      expect(await store.lastEventSeq()).toBe(inserted[1]!.seq);
    });

    it('keeps event data and message records that hold any character, NUL included', async () => {
      // A customer can paste a NUL into a message; its text reaches the event and the record as is.
      const store = await ctx.open();
      const text = 'before\u0000after \u{1F600} \u2028 "quoted" \\ end';
      const event = newEvent('nul', { data: { text, nested: { text } } });
      const [stored] = await store.withProcessingTx((tx) => tx.insertEvents([event]));
      expect(await store.getEvent('nul')).toEqual(stored);
      expect((stored!.data as { text: string }).text).toBe(text);
      const message = storedMessage('wamid.NUL', {
        record: { v: 2, history: [{ status: 'received', text }] },
      });
      await store.withProcessingTx((tx) => tx.putMessages([message]));
      expect(await store.getMessage('wamid.NUL')).toEqual(message);
    });

    it('lists the events of one ordering key in seq order, up to a limit', async () => {
      const store = await ctx.open();
      await store.withProcessingTx((tx) =>
        tx.insertEvents([
          newEvent('k1', { orderingKey: 'msg:A' }),
          newEvent('k2', { orderingKey: 'msg:B' }),
          newEvent('k3', { orderingKey: 'msg:A' }),
          newEvent('k4', { orderingKey: 'msg:A' }),
        ]),
      );
      const ids = async (key: string, limit: number) =>
        (await store.listEventsByKey(key, limit)).map((event) => event.id);
      expect(await ids('msg:A', 10)).toEqual(['k1', 'k3', 'k4']);
      expect(await ids('msg:A', 2)).toEqual(['k1', 'k3']);
      expect(await ids('msg:B', 10)).toEqual(['k2']);
      expect(await ids('msg:none', 10)).toEqual([]);
    });

    it('inserts an id named twice in one batch once', async () => {
      const store = await ctx.open();
      const inserted = await store.withProcessingTx((tx) =>
        tx.insertEvents([newEvent('x'), newEvent('y'), newEvent('x', { type: 'other' })]),
      );
      expect(inserted.map((event) => [event.id, event.type])).toEqual([
        ['x', 'message.status'],
        ['y', 'message.status'],
      ]);
      expect(await store.listEvents({ afterSeq: 0, limit: 10 })).toHaveLength(2);
    });

    it('lists events after a cursor, up to a limit, optionally of some types', async () => {
      const store = await ctx.open();
      const types = ['message.received', 'message.status', 'account.update'];
      const events = await store.withProcessingTx((tx) =>
        tx.insertEvents(Array.from({ length: 9 }, (_, i) => newEvent(`e${i}`, { type: types[i % 3]! }))),
      );
      const page1 = await store.listEvents({ afterSeq: 0, limit: 4 });
      const page2 = await store.listEvents({ afterSeq: page1.at(-1)!.seq, limit: 4 });
      const page3 = await store.listEvents({ afterSeq: page2.at(-1)!.seq, limit: 4 });
      expect([...page1, ...page2, ...page3]).toEqual(events);
      expect(page3).toHaveLength(1);
      const statuses = await store.listEvents({
        afterSeq: events[1]!.seq,
        limit: 10,
        types: ['message.status'],
      });
      expect(statuses.map((event) => event.id)).toEqual(['e4', 'e7']);
      const none = await store.listEvents({ afterSeq: 0, limit: 10, types: [] });
      expect(none).toHaveLength(9);
    });

    it('never lets a cursor reader skip an event whose transaction commits later', async () => {
      const store = await ctx.open();
      const other = await ctx.concurrentWriter(store);
      const inserted = gate();
      const release = gate();
      const first = store.withProcessingTx(async (tx) => {
        await tx.insertEvents([newEvent('first')]);
        inserted.open();
        await release.promise;
      });
      await inserted.promise;
      const second = other.withProcessingTx((tx) => tx.insertEvents([newEvent('second')]));
      // If the second transaction could commit while the first is open, it does so here.
      await Promise.race([second, ctx.backend.writerBlocked({ events: true })]);
      const seen = await store.listEvents({ afterSeq: 0, limit: 10 });
      const cursor = seen.at(-1)?.seq ?? 0;
      release.open();
      await Promise.all([first, second]);
      const rest = await store.listEvents({ afterSeq: cursor, limit: 10 });
      expect([...seen, ...rest].map((event) => event.id).sort()).toEqual(['first', 'second']);
    });

    it('shows readers no event before its transaction commits', async () => {
      const store = await ctx.open();
      const inserted = gate();
      const release = gate();
      const doomed = store.withProcessingTx(async (tx) => {
        await tx.insertEvents([newEvent('doomed')]);
        inserted.open();
        await release.promise;
        throw new Error('rolled back');
      });
      await inserted.promise;
      const seen = await store.listEvents({ afterSeq: 0, limit: 10 });
      release.open();
      await expect(doomed).rejects.toThrow('rolled back');
      await store.withProcessingTx((tx) => tx.insertEvents([newEvent('kept')]));
      const rest = await store.listEvents({ afterSeq: seen.at(-1)?.seq ?? 0, limit: 10 });
      expect(seen).toEqual([]);
      expect(rest.map((event) => event.id)).toEqual(['kept']);
    });

    it('leaves nothing behind when the processing work throws', async () => {
      const store = await ctx.open();
      const [id] = await store.appendInboxBatch([inboxAppend(0)]);
      await store.claimInbox({ owner: 'a', limit: 1, now: T0, leaseMs: 60_000 });
      const failure = new Error('parser exploded');
      const attempt = store.withProcessingTx(async (tx) => {
        await tx.getMessages(['wamid.1']);
        await tx.putMessages([storedMessage('wamid.1')]);
        await tx.insertEvents([newEvent('lost')]);
        await tx.markInboxProcessed(id!, 'a', T0);
        throw failure;
      });
      await expect(attempt).rejects.toBe(failure);
      expect(await store.getMessage('wamid.1')).toBeUndefined();
      expect(await store.listEvents({ afterSeq: 0, limit: 10 })).toEqual([]);
      expect(await store.getInboxRow(id!)).toMatchObject({ state: 'pending', processedAt: null });
      const retried = await store.withProcessingTx((tx) => tx.insertEvents([newEvent('lost')]));
      expect(retried.map((event) => event.id)).toEqual(['lost']);
    });
  });
}

function withoutSeq(event: StoredEvent): Omit<StoredEvent, 'seq'> {
  const { seq: _seq, ...rest } = event;
  return rest;
}
