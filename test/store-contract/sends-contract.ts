import { describe, expect, it } from 'vitest';
import type { NewSend } from '../../src/store/send-ports.js';
import type { ContractContext } from './contract.js';
import { storedMessage, T0 } from './fixtures.js';

function newSend(id: string, overrides: Partial<NewSend> = {}): NewSend {
  return {
    id,
    idempotencyKey: null,
    requestHash: 'h1',
    phoneNumberId: '112233445566778',
    input: '050-437-0045',
    recipient: '+972504370045',
    recipientKind: 'phone',
    messageType: 'template',
    message: { type: 'template', template: { name: 'hello_world' } },
    metadata: { guest_id: 'g-17', event_id: 42 },
    createdAt: T0,
    ...overrides,
  };
}

export function sendsContract(ctx: ContractContext): void {
  describe('sends and message context', () => {
    it('stores a send as sending and answers the first row for a reused idempotency key', async () => {
      const store = await ctx.open();
      const first = await store.createSend(newSend('snd_1', { idempotencyKey: 'k1' }));
      expect(first.created).toBe(true);
      expect(first.send).toMatchObject({
        id: 'snd_1',
        state: 'sending',
        wamid: null,
        metadata: { guest_id: 'g-17', event_id: 42 },
      });
      const again = await store.createSend(newSend('snd_2', { idempotencyKey: 'k1', requestHash: 'h2' }));
      expect(again.created).toBe(false);
      expect(again.send.id).toBe('snd_1');
      expect(await store.getSend('snd_2')).toBeUndefined();
      expect((await store.getSendByIdempotencyKey('k1'))?.id).toBe('snd_1');
      // Without a key, every send is its own row.
      expect((await store.createSend(newSend('snd_3'))).created).toBe(true);
      expect((await store.createSend(newSend('snd_4'))).created).toBe(true);
    });

    it('lets one of many concurrent creates with one key win', async () => {
      const store = await ctx.open();
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.createSend(newSend(`snd_c${i}`, { idempotencyKey: 'same' })),
        ),
      );
      expect(results.filter((result) => result.created)).toHaveLength(1);
      expect(new Set(results.map((result) => result.send.id)).size).toBe(1);
    });

    it('records an accepted outcome and links the wamid to the metadata, found by key and value', async () => {
      const store = await ctx.open();
      await store.createSend(newSend('snd_1'));
      await store.createSend(newSend('snd_2', { metadata: { guest_id: 'g-18' } }));
      const accepted = await store.finishSend(
        'snd_1',
        { state: 'accepted', wamid: 'wamid.A', waId: '972504370045', messageStatus: 'accepted' },
        T0 + 5,
      );
      expect(accepted).toMatchObject({
        state: 'accepted',
        wamid: 'wamid.A',
        waId: '972504370045',
        updatedAt: T0 + 5,
      });
      await store.finishSend('snd_2', { state: 'accepted', wamid: 'wamid.B' }, T0 + 6);
      expect(await store.findWamidsByMetadata('guest_id', 'g-17', 10)).toEqual(['wamid.A']);
      expect(await store.findWamidsByMetadata('event_id', '42', 10)).toEqual(['wamid.A']);
      expect(await store.findWamidsByMetadata('guest_id', 'nobody', 10)).toEqual([]);
      const context = await store.getMessageContext('wamid.A');
      expect(context?.metadata).toEqual({ guest_id: 'g-17', event_id: 42 });
      expect(context?.send?.input).toBe('050-437-0045');
      expect(await store.getMessageContext('wamid.NONE')).toBeUndefined();
    });

    it('settles an unknown send from a status that names it, once, and never moves an accepted send back', async () => {
      const store = await ctx.open();
      await store.createSend(newSend('snd_1'));
      await store.finishSend('snd_1', { state: 'unknown', error: { reason: 'timeout' } }, T0 + 1);
      const settled = await store.withProcessingTx((tx) =>
        tx.settleSends(
          [{ sendId: 'snd_1', wamid: 'wamid.LATE', waId: '972504370045', userId: null }],
          T0 + 2,
        ),
      );
      expect(settled.get('wamid.LATE')?.send?.id).toBe('snd_1');
      const again = await store.withProcessingTx((tx) =>
        tx.settleSends([{ sendId: 'snd_1', wamid: 'wamid.OTHER', waId: null, userId: null }], T0 + 3),
      );
      expect(again.size).toBe(0);
      expect(await store.getSend('snd_1')).toMatchObject({ state: 'accepted', wamid: 'wamid.LATE' });
      // The caller's own late answer (a timeout it gave up on) cannot undo the settlement.
      await store.finishSend('snd_1', { state: 'unknown' }, T0 + 4);
      expect((await store.getSend('snd_1'))?.state).toBe('accepted');
      const contexts = await store.withProcessingTx((tx) => tx.messageContexts(['wamid.LATE', 'wamid.NONE']));
      expect([...contexts.keys()]).toEqual(['wamid.LATE']);
      expect(await store.findWamidsByMetadata('guest_id', 'g-17', 10)).toEqual(['wamid.LATE']);
    });

    it('answers the context of a whole batch of wamids: with a send, without one, unknown or repeated', async () => {
      const store = await ctx.open();
      await store.createSend(newSend('snd_1'));
      await store.finishSend('snd_1', { state: 'accepted', wamid: 'wamid.SENT' }, T0 + 1);
      await store.putMessageMetadata('wamid.ELSEWHERE', { order: 'o-9' }, T0 + 2);
      const contexts = await store.withProcessingTx((tx) =>
        tx.messageContexts(['wamid.SENT', 'wamid.NONE', 'wamid.ELSEWHERE', 'wamid.SENT']),
      );
      expect([...contexts.keys()].sort()).toEqual(['wamid.ELSEWHERE', 'wamid.SENT']);
      expect(contexts.get('wamid.SENT')).toMatchObject({
        wamid: 'wamid.SENT',
        metadata: { guest_id: 'g-17', event_id: 42 },
        send: { id: 'snd_1', state: 'accepted', wamid: 'wamid.SENT' },
      });
      expect(contexts.get('wamid.ELSEWHERE')).toEqual({
        wamid: 'wamid.ELSEWHERE',
        metadata: { order: 'o-9' },
        send: null,
      });
      expect((await store.withProcessingTx((tx) => tx.messageContexts([]))).size).toBe(0);
    });

    it('replaces the metadata of a wamid sent elsewhere, index included', async () => {
      const store = await ctx.open();
      await store.putMessageMetadata('wamid.X', { order: 'o-1', guest_id: 'g-1' }, T0);
      await store.putMessageMetadata('wamid.X', { order: 'o-2' }, T0 + 1);
      expect(await store.findWamidsByMetadata('order', 'o-1', 10)).toEqual([]);
      expect(await store.findWamidsByMetadata('guest_id', 'g-1', 10)).toEqual([]);
      expect(await store.findWamidsByMetadata('order', 'o-2', 10)).toEqual(['wamid.X']);
      expect((await store.getMessageContext('wamid.X'))?.metadata).toEqual({ order: 'o-2' });
      await store.putMessageMetadata('wamid.Y', { order: 'o-2' }, T0);
      expect(await store.findWamidsByMetadata('order', 'o-2', 1)).toEqual(['wamid.X']);
      expect(await store.findWamidsByMetadata('order', 'o-2', 10, 'wamid.X')).toEqual(['wamid.Y']);
    });

    it('lists sends by state and age', async () => {
      const store = await ctx.open();
      await store.createSend(newSend('snd_a', { createdAt: T0 }));
      await store.createSend(newSend('snd_b', { createdAt: T0 + 10 }));
      await store.finishSend('snd_a', { state: 'accepted', wamid: 'wamid.A' }, T0 + 1);
      await store.finishSend('snd_b', { state: 'accepted', wamid: 'wamid.B' }, T0 + 11);
      const old = await store.listSends({ states: ['accepted'], createdBefore: T0 + 5, limit: 10 });
      expect(old.map((send) => send.id)).toEqual(['snd_a']);
      expect(await store.listSends({ states: ['failed'], createdBefore: T0 + 50, limit: 10 })).toEqual([]);
    });

    it('reads the stuck scan its sends with their statuses: the look-back by id, old flags by judgement', async () => {
      const store = await ctx.open();
      for (const [id, createdAt] of [
        ['snd_a', T0],
        ['snd_b', T0 + 10],
        ['snd_c', T0 + 20],
        ['snd_d', T0 + 30],
      ] as const) {
        await store.createSend(newSend(id, { createdAt }));
        await store.finishSend(id, { state: 'accepted', wamid: `wamid.${id}` }, createdAt + 1);
      }
      await store.createSend(newSend('snd_e', { createdAt: T0 }));
      await store.finishSend('snd_e', { state: 'failed' }, T0 + 1);
      await store.withProcessingTx((tx) =>
        tx.putMessages([
          storedMessage('wamid.snd_a', { status: 'sent' }),
          storedMessage('wamid.snd_c', { status: 'delivered' }),
        ]),
      );
      const window = await store.listScanWindow({ createdBefore: T0 + 20, afterId: 'snd_a', limit: 10 });
      expect(window.map(({ send, status }) => [send.id, status])).toEqual([
        ['snd_b', undefined],
        ['snd_c', 'delivered'],
      ]);
      // Judged in the order c, a, b (b and d at once); read from a cursor, before an id.
      await store.setStuck([{ sendId: 'snd_c', stage: 'sent' }], T0 + 100);
      await store.setStuck([{ sendId: 'snd_a', stage: 'delivered' }], T0 + 200);
      await store.setStuck(
        [
          { sendId: 'snd_b', stage: 'sent' },
          { sendId: 'snd_d', stage: 'sent' },
        ],
        T0 + 300,
      );
      const flagged = async (after: { stuckAt: number; id: string }, limit = 10) =>
        (await store.listFlaggedSends({ beforeId: 'snd_d', after, limit })).map(({ send, status }) => [
          send.id,
          send.stuckAt,
          status,
        ]);
      expect(await flagged({ stuckAt: T0, id: '' })).toEqual([
        ['snd_c', T0 + 100, 'delivered'],
        ['snd_a', T0 + 200, 'sent'],
        ['snd_b', T0 + 300, undefined],
      ]);
      // The horizon: flags judged before the cursor are not read.
      expect(await flagged({ stuckAt: T0 + 200, id: '' }, 1)).toEqual([['snd_a', T0 + 200, 'sent']]);
      expect(await flagged({ stuckAt: T0 + 200, id: 'snd_a' })).toEqual([['snd_b', T0 + 300, undefined]]);
    });

    it('keeps the stuck judgement and lists what is still stuck, newest judgement first, paged', async () => {
      const store = await ctx.open();
      for (const [id, phone] of [
        ['snd_a', '111'],
        ['snd_b', '111'],
        ['snd_c', '222'],
        ['snd_d', '111'],
      ] as const) {
        await store.createSend(newSend(id, { phoneNumberId: phone }));
        await store.finishSend(id, { state: 'accepted', wamid: `wamid.${id}` }, T0 + 1);
      }
      // b and d reached sent; d then delivered, after the scan judged it.
      await store.withProcessingTx((tx) =>
        tx.putMessages([
          storedMessage('wamid.snd_b', { status: 'sent' }),
          storedMessage('wamid.snd_d', { status: 'delivered' }),
        ]),
      );
      await store.setStuck([{ sendId: 'snd_a', stage: 'sent' }], T0 + 100);
      await store.setStuck(
        [
          { sendId: 'snd_b', stage: 'delivered' },
          { sendId: 'snd_c', stage: 'sent' },
          { sendId: 'snd_d', stage: 'delivered' },
        ],
        T0 + 200,
      );
      expect(await store.getSend('snd_a')).toMatchObject({ stuckStage: 'sent', stuckAt: T0 + 100 });
      const all = (await store.listStuckSends({ limit: 10 })).map(({ send }) => send);
      expect(all.map((send) => [send.id, send.stuckStage])).toEqual([
        ['snd_c', 'sent'],
        ['snd_b', 'delivered'],
        ['snd_a', 'sent'],
      ]);
      const first = (await store.listStuckSends({ limit: 2 })).map(({ send }) => send);
      const last = first.at(-1)!;
      const rest = (
        await store.listStuckSends({ limit: 2, before: { stuckAt: last.stuckAt!, id: last.id } })
      ).map(({ send }) => send);
      expect([...first, ...rest].map((send) => send.id)).toEqual(['snd_c', 'snd_b', 'snd_a']);
      expect(
        (await store.listStuckSends({ limit: 10, phoneNumberId: '111' })).map(({ send }) => send.id),
      ).toEqual(['snd_b', 'snd_a']);
      // A stage-sent send whose first status came, and a cleared judgement, leave the list.
      await store.withProcessingTx((tx) =>
        tx.putMessages([storedMessage('wamid.snd_c', { status: 'sent' })]),
      );
      await store.setStuck([{ sendId: 'snd_b', stage: null }], T0 + 300);
      expect(await store.getSend('snd_b')).toMatchObject({ stuckStage: null, stuckAt: null });
      expect((await store.listStuckSends({ limit: 10 })).map(({ send }) => send.id)).toEqual(['snd_a']);
    });
  });
}
