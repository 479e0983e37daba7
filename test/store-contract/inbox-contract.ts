import { describe, expect, it } from 'vitest';
import type { ContractContext } from './contract.js';
import { inboxAppend, T0 } from './fixtures.js';

const LEASE = { leaseMs: 60_000 };

export function inboxContract(ctx: ContractContext): void {
  describe('inbox', () => {
    it('returns ids in input order and reads every field back as appended', async () => {
      const store = await ctx.open();
      const rows = [
        inboxAppend(3),
        inboxAppend(1, { auth: 'header', source: 'crm', contentType: null }),
        inboxAppend(2),
      ];
      const ids = await store.appendInboxBatch(rows);
      expect(ids).toHaveLength(3);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      for (const [index, id] of ids.entries()) {
        expect(await store.getInboxRow(id)).toEqual({
          ...rows[index],
          id,
          state: 'pending',
          attempts: 0,
          error: null,
          processedAt: null,
        });
      }
      expect(await store.getInboxRow(ids[2]! + 1_000)).toBeUndefined();
    });

    it('keeps bodies byte-exact, including bytes that are not UTF-8', async () => {
      const store = await ctx.open();
      const everyByte = Buffer.from(Array.from({ length: 256 }, (_, byte) => byte));
      const brokenUtf8 = Buffer.concat([
        Buffer.from('{"text":"caf'),
        Buffer.from([0xe9, 0xc3, 0x28, 0xff]),
        Buffer.from('"}'),
      ]);
      const bodies = [everyByte, brokenUtf8, Buffer.alloc(0)];
      const ids = await store.appendInboxBatch(
        bodies.map((body, index) => inboxAppend(index, { body, headers: { 'x-note': 'ünïcödé ✓ \u2028' } })),
      );
      for (const [index, id] of ids.entries()) {
        const row = await store.getInboxRow(id);
        expect(Buffer.compare(row?.body ?? Buffer.from('missing'), bodies[index]!)).toBe(0);
        expect(row?.headers).toEqual({ 'x-note': 'ünïcödé ✓ \u2028' });
      }
    });

    it('answers an empty batch with no ids', async () => {
      const store = await ctx.open();
      expect(await store.appendInboxBatch([])).toEqual([]);
      expect((await store.inboxStats()).total).toBe(0);
    });

    it('leases the oldest pending rows and counts each claim as an attempt', async () => {
      const store = await ctx.open();
      const ids = await store.appendInboxBatch([0, 1, 2, 3, 4].map((i) => inboxAppend(i)));
      const first = await store.claimInbox({ owner: 'a', limit: 3, now: T0, ...LEASE });
      expect(first.map((row) => row.id)).toEqual(ids.slice(0, 3));
      expect(first.every((row) => row.attempts === 1 && row.state === 'pending')).toBe(true);
      const second = await store.claimInbox({ owner: 'b', limit: 3, now: T0, ...LEASE });
      expect(second.map((row) => row.id)).toEqual(ids.slice(3));
      expect(await store.claimInbox({ owner: 'c', limit: 3, now: T0, ...LEASE })).toEqual([]);
    });

    it('lets another worker reclaim a row once its lease has expired', async () => {
      const store = await ctx.open();
      const [id] = await store.appendInboxBatch([inboxAppend(0)]);
      await store.claimInbox({ owner: 'a', limit: 10, now: T0, leaseMs: 1_000 });
      expect(await store.claimInbox({ owner: 'b', limit: 10, now: T0 + 999, leaseMs: 1_000 })).toEqual([]);
      const reclaimed = await store.claimInbox({ owner: 'b', limit: 10, now: T0 + 1_001, leaseMs: 1_000 });
      expect(reclaimed.map((row) => [row.id, row.attempts])).toEqual([[id, 2]]);
    });

    it('never gives the same row to two concurrent claimers', async () => {
      const [one, two] = [await ctx.open(), await ctx.open()];
      const ids = await one.appendInboxBatch(Array.from({ length: 40 }, (_, i) => inboxAppend(i)));
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 === 0 ? one : two).claimInbox({ owner: `w${i}`, limit: 7, now: T0, ...LEASE }),
        ),
      );
      const claimed = claims.flat().map((row) => row.id);
      expect(claimed).toHaveLength(40);
      expect(new Set(claimed)).toEqual(new Set(ids));
    });

    it('moves a row to processed or quarantined only for the lease owner', async () => {
      const store = await ctx.open();
      const [done, bad] = await store.appendInboxBatch([inboxAppend(0), inboxAppend(1)]);
      await store.claimInbox({ owner: 'a', limit: 10, now: T0, ...LEASE });
      const outcomes = await store.withProcessingTx(async (tx) => [
        await tx.markInboxProcessed(done!, 'b', T0 + 5),
        await tx.quarantineInbox(bad!, 'b', 'not ours', T0 + 5),
        await tx.markInboxProcessed(done!, 'a', T0 + 5),
        await tx.quarantineInbox(bad!, 'a', 'unknown envelope', T0 + 6),
        await tx.markInboxProcessed(done!, 'a', T0 + 7),
      ]);
      expect(outcomes).toEqual([false, false, true, true, false]);
      expect(await store.getInboxRow(done!)).toMatchObject({
        state: 'processed',
        processedAt: T0 + 5,
        error: null,
      });
      expect(await store.getInboxRow(bad!)).toMatchObject({
        state: 'quarantined',
        processedAt: T0 + 6,
        error: 'unknown envelope',
      });
    });

    it('lists rows newest first without bodies, by state, paging backwards', async () => {
      const store = await ctx.open();
      const ids = await store.appendInboxBatch([0, 1, 2, 3, 4].map((i) => inboxAppend(i)));
      await store.claimInbox({ owner: 'a', limit: 10, now: T0, ...LEASE });
      await store.withProcessingTx(async (tx) => {
        await tx.quarantineInbox(ids[1]!, 'a', 'invalid JSON', T0 + 1);
        await tx.quarantineInbox(ids[3]!, 'a', 'unknown shape', T0 + 2);
        await tx.markInboxProcessed(ids[0]!, 'a', T0 + 3);
      });
      const quarantined = await store.listInbox({ state: 'quarantined', limit: 10 });
      expect(quarantined.map((row) => [row.id, row.error])).toEqual([
        [ids[3], 'unknown shape'],
        [ids[1], 'invalid JSON'],
      ]);
      expect(quarantined[0]).not.toHaveProperty('body');
      expect(quarantined[0]?.bodyBytes).toBe(inboxAppend(3).body.length);
      const all = await store.listInbox({ limit: 2 });
      expect(all.map((row) => row.id)).toEqual([ids[4], ids[3]]);
      const next = await store.listInbox({ limit: 10, beforeId: all[1]!.id });
      expect(next.map((row) => row.id)).toEqual([ids[2], ids[1], ids[0]]);
    });

    it('finishes a batch of rows in one call, only those this owner holds', async () => {
      const store = await ctx.open();
      const ids = await store.appendInboxBatch([0, 1, 2].map((i) => inboxAppend(i)));
      await store.claimInbox({ owner: 'a', limit: 2, now: T0, ...LEASE });
      await store.claimInbox({ owner: 'b', limit: 1, now: T0, ...LEASE });
      const finished = await store.withProcessingTx((tx) =>
        tx.finishInboxRows(
          [
            { id: ids[0]!, state: 'processed', error: null },
            { id: ids[1]!, state: 'quarantined', error: 'unknown shape' },
            { id: ids[2]!, state: 'processed', error: null },
          ],
          'a',
          T0 + 1,
        ),
      );
      expect([...finished].sort((x, y) => x - y)).toEqual([ids[0], ids[1]]);
      expect(await store.getInboxRow(ids[1]!)).toMatchObject({
        state: 'quarantined',
        error: 'unknown shape',
      });
      expect(await store.getInboxRow(ids[2]!)).toMatchObject({ state: 'pending' });
      expect(await store.withProcessingTx((tx) => tx.finishInboxRows([], 'a', T0))).toEqual(new Set());
    });

    it('refuses to finish a row for a worker whose lease was taken over', async () => {
      const store = await ctx.open();
      const [id] = await store.appendInboxBatch([inboxAppend(0)]);
      await store.claimInbox({ owner: 'slow', limit: 1, now: T0, leaseMs: 1_000 });
      await store.claimInbox({ owner: 'fresh', limit: 1, now: T0 + 2_000, leaseMs: 1_000 });
      const [slow, fresh] = await store.withProcessingTx(async (tx) => [
        await tx.markInboxProcessed(id!, 'slow', T0 + 2_001),
        await tx.markInboxProcessed(id!, 'fresh', T0 + 2_002),
      ]);
      expect([slow, fresh]).toEqual([false, true]);
    });

    it('requeues quarantined rows by id or all at once, and nothing else', async () => {
      const store = await ctx.open();
      const ids = await store.appendInboxBatch([0, 1, 2, 3].map((i) => inboxAppend(i)));
      await store.claimInbox({ owner: 'a', limit: 10, now: T0, ...LEASE });
      await store.withProcessingTx(async (tx) => {
        for (const id of ids.slice(0, 3)) await tx.quarantineInbox(id, 'a', 'bad', T0);
        await tx.markInboxProcessed(ids[3]!, 'a', T0);
      });
      expect(await store.requeueQuarantined([ids[0]!, ids[3]!])).toBe(1);
      expect((await store.getInboxRow(ids[0]!))?.state).toBe('pending');
      const again = await store.claimInbox({ owner: 'b', limit: 10, now: T0 + 1, ...LEASE });
      expect(again.map((row) => row.id)).toEqual([ids[0]]);
      expect(await store.requeueQuarantined()).toBe(2);
      expect(await store.requeueQuarantined()).toBe(0);
      expect((await store.getInboxRow(ids[3]!))?.state).toBe('processed');
    });

    it('counts rows by state and reports when the oldest pending row arrived', async () => {
      const store = await ctx.open();
      expect(await store.inboxStats()).toEqual({
        total: 0,
        pending: 0,
        quarantined: 0,
        processed: 0,
        oldestPendingAt: null,
      });
      const ids = await store.appendInboxBatch([
        inboxAppend(0, { receivedAt: T0 + 50 }),
        inboxAppend(1, { receivedAt: T0 + 10 }),
        inboxAppend(2, { receivedAt: T0 + 30 }),
        inboxAppend(3, { receivedAt: T0 + 20 }),
      ]);
      await store.claimInbox({ owner: 'a', limit: 2, now: T0, ...LEASE });
      await store.withProcessingTx(async (tx) => {
        await tx.markInboxProcessed(ids[0]!, 'a', T0);
        await tx.quarantineInbox(ids[1]!, 'a', 'bad', T0);
      });
      expect(await store.inboxStats()).toEqual({
        total: 4,
        pending: 2,
        quarantined: 1,
        processed: 1,
        oldestPendingAt: T0 + 20,
      });
    });
  });
}
