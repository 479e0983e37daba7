import { describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../src/store/ports.js';
import type { ContractContext } from './contract.js';
import { gate, storedMessage, T0 } from './fixtures.js';

export function messagesContract(ctx: ContractContext): void {
  describe('messages', () => {
    it('stores message records and reads them back by id', async () => {
      const store = await ctx.open();
      const one = storedMessage('wamid.ONE');
      const two = storedMessage('wamid.TWO', {
        direction: 'inbound',
        status: 'received',
        phoneNumberId: null,
      });
      await store.withProcessingTx((tx) => tx.putMessages([one, two]));
      const found = await store.withProcessingTx((tx) =>
        tx.getMessages(['wamid.ONE', 'wamid.TWO', 'wamid.NONE']),
      );
      expect(Object.fromEntries(found)).toEqual({ 'wamid.ONE': one, 'wamid.TWO': two });
      expect(await store.getMessage('wamid.TWO')).toEqual(two);
      expect(await store.getMessage('wamid.NONE')).toBeUndefined();
    });

    it('rewrites a record but keeps when the message was first seen', async () => {
      const store = await ctx.open();
      await store.withProcessingTx((tx) => tx.putMessages([storedMessage('wamid.A')]));
      const newer = storedMessage('wamid.A', {
        status: 'read',
        record: { id: 'wamid.A', status: 'read' },
        firstSeenAt: T0 + 999,
        updatedAt: T0 + 60_000,
      });
      await store.withProcessingTx((tx) => tx.putMessages([newer]));
      expect(await store.getMessage('wamid.A')).toEqual({ ...newer, firstSeenAt: T0 });
    });

    it('lists messages newest first, filtered by status, phone number and time', async () => {
      const store = await ctx.open();
      await store.withProcessingTx((tx) =>
        tx.putMessages([
          storedMessage('m1', { status: 'read', updatedAt: T0 + 1 }),
          storedMessage('m2', { status: 'delivered', updatedAt: T0 + 2 }),
          storedMessage('m3', { status: 'read', updatedAt: T0 + 3, phoneNumberId: 'other' }),
          storedMessage('m4', { status: 'read', updatedAt: T0 + 4 }),
        ]),
      );
      const ids = async (query: Partial<Parameters<typeof store.listMessages>[0]>) =>
        (await store.listMessages({ limit: 10, ...query })).map((message) => message.id);
      expect(await ids({})).toEqual(['m4', 'm3', 'm2', 'm1']);
      expect(await ids({ status: 'read' })).toEqual(['m4', 'm3', 'm1']);
      expect(await ids({ phoneNumberId: 'other' })).toEqual(['m3']);
      expect(await ids({ since: T0 + 2 })).toEqual(['m4', 'm3', 'm2']);
      expect(await ids({ status: 'read', since: T0 + 2, limit: 1 })).toEqual(['m4']);
    });

    it("finds messages by the counterpart's phone number or BSUID in the first history entry", async () => {
      const store = await ctx.open();
      const record = (counterpart: Record<string, string>) => ({
        v: 2,
        history: [{ status: 'sent', timestamp: '2026-01-01T10:00:00.000Z', counterpart }],
      });
      await store.withProcessingTx((tx) =>
        tx.putMessages([
          storedMessage('p1', { updatedAt: T0 + 1, record: record({ waId: '447700900123' }) }),
          storedMessage('p2', { updatedAt: T0 + 2, record: record({ userId: 'US.1349120865530274' }) }),
          storedMessage('p3', {
            updatedAt: T0 + 3,
            record: record({ waId: '447700900123', userId: 'US.9' }),
          }),
          storedMessage('p4', { updatedAt: T0 + 4, record: record({ waId: '4477009001234' }) }),
        ]),
      );
      const ids = async (counterpart: string) =>
        (await store.listMessages({ limit: 10, counterpart })).map((message) => message.id);
      expect(await ids('447700900123')).toEqual(['p3', 'p1']);
      expect(await ids('US.1349120865530274')).toEqual(['p2']);
      expect(await ids('US.9')).toEqual(['p3']);
      expect(await ids('44770090012')).toEqual([]);
    });

    it('pages through messages updated at the same moment without repeating or skipping one', async () => {
      const store = await ctx.open();
      // Mixed case: both stores compare ids byte by byte, so 'B' sorts before 'a'.
      const names = ['a', 'B', 'c', 'D', 'e', 'F', 'g'];
      await store.withProcessingTx((tx) =>
        tx.putMessages(
          names.map((name, i) => storedMessage(`wamid.${name}`, { updatedAt: T0 + (i < 5 ? 0 : i) })),
        ),
      );
      const seen: StoredMessage[] = [];
      let before: { updatedAt: number; id: string } | undefined;
      for (;;) {
        const page = await store.listMessages({ limit: 2, ...(before ? { before } : {}) });
        if (page.length === 0) break;
        seen.push(...page);
        const last = page.at(-1)!;
        before = { updatedAt: last.updatedAt, id: last.id };
      }
      expect(seen.map((message) => message.id)).toEqual([
        'wamid.g',
        'wamid.F',
        'wamid.e',
        'wamid.c',
        'wamid.a',
        'wamid.D',
        'wamid.B',
      ]);
    });

    it('makes a transaction that reads a message wait while another rewrites it', async () => {
      const store = await ctx.open();
      const other = await ctx.concurrentWriter(store);
      const read = gate();
      const release = gate();
      const first = store.withProcessingTx(async (tx) => {
        expect((await tx.getMessages(['wamid.NEW'])).size).toBe(0);
        read.open();
        await release.promise;
        await tx.putMessages([storedMessage('wamid.NEW', { status: 'delivered' })]);
      });
      await read.promise;
      const second = other.withProcessingTx((tx) => tx.getMessages(['wamid.NEW']));
      // A second reader that is not held back reads "no record" here and would overwrite the first.
      await Promise.race([second, ctx.backend.writerBlocked({ messageId: 'wamid.NEW' })]);
      release.open();
      await first;
      expect((await second).get('wamid.NEW')?.status).toBe('delivered');
    });
  });
}
