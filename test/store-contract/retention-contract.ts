import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/ports.js';
import type { DataClass } from '../../src/store/retention-ports.js';
import type { ContractContext } from './contract.js';
import { claimAt, commitEvents } from './delivery-queue-contract.js';
import {
  failedAttempt,
  inboxAppend,
  newEvent,
  rejectedRequest,
  storedMessage,
  subscriptionInput,
  successfulAttempt,
  T0,
} from './fixtures.js';

const DAY = 86_400_000;

async function purgeAll(store: Store, dataClass: DataClass, cutoff: number, now = cutoff): Promise<number> {
  let total = 0;
  for (;;) {
    const removed = await store.purgeBatch({ dataClass, cutoff, limit: 2, now });
    total += removed;
    if (removed < 2) return total;
  }
}

/** Appends rows, then finishes them: the first `processed` processed at `at`, the rest stay pending. */
async function inboxRows(store: Store, count: number, processed: number, at: number): Promise<number[]> {
  const ids = await store.appendInboxBatch(Array.from({ length: count }, (_, i) => inboxAppend(i)));
  const claimed = await store.claimInbox({ owner: 'w', limit: processed, leaseMs: 60_000, now: at });
  await store.withProcessingTx((tx) =>
    tx.finishInboxRows(
      claimed.map((row) => ({ id: row.id, state: 'processed', error: null })),
      'w',
      at,
    ),
  );
  return ids;
}

export function retentionContract(ctx: ContractContext): void {
  describe('retention', () => {
    it('purges finished inbox rows past the cutoff in batches and never a pending one', async () => {
      const store = await ctx.open();
      await inboxRows(store, 7, 5, T0);
      expect(await store.purgeBatch({ dataClass: 'inbox', cutoff: T0, limit: 10, now: T0 })).toBe(0);
      expect(await store.purgeBatch({ dataClass: 'inbox', cutoff: T0 + 1, limit: 3, now: T0 })).toBe(3);
      expect(await purgeAll(store, 'inbox', T0 + DAY)).toBe(2);
      const stats = await store.inboxStats();
      expect(stats).toMatchObject({ total: 2, pending: 2, processed: 0 });
      expect((await store.oldestRowTimes()).inbox).toBeNull();
    });

    it('keeps an event while a delivery of it is kept, and purges finished deliveries by finish time', async () => {
      const store = await ctx.open();
      await store.createSubscription(subscriptionInput('s'));
      await commitEvents(store, [
        newEvent('held', { orderingKey: 'k1' }),
        newEvent('done', { orderingKey: 'k2' }),
      ]);
      await store.withProcessingTx((tx) => tx.insertEvents([newEvent('lonely', { createdAt: T0 })]));
      const [first, second] = await store.claimDeliveries(claimAt(T0));
      await store.recordDeliveryAttempts([
        {
          deliveryId: first!.id,
          owner: 'loop-a',
          attempt: failedAttempt(T0 + 5),
          next: { state: 'dead', error: 'x' },
        },
        {
          deliveryId: second!.id,
          owner: 'loop-a',
          attempt: successfulAttempt(T0 + 5),
          next: { state: 'succeeded' },
        },
      ]);
      // Only the event without deliveries may go; it leaves a tombstone behind.
      expect(await purgeAll(store, 'events', T0 + DAY, T0 + DAY)).toBe(1);
      expect(await store.getEvent('lonely')).toBeUndefined();
      expect(await store.getEvent('held')).toBeDefined();
      expect((await store.oldestRowTimes()).events).toBeNull();
      // Both finished shortly after T0 + 5 (the attempt's latency is added).
      expect(await purgeAll(store, 'deliveries', T0 + 5)).toBe(0);
      expect(await purgeAll(store, 'deliveries', T0 + 100)).toBe(2);
      expect(await store.listDeadLetters({ limit: 10 })).toEqual([]);
      expect(await purgeAll(store, 'events', T0 + DAY, T0 + DAY)).toBe(2);
      expect(await store.listEvents({ afterSeq: 0, limit: 10 })).toEqual([]);
    });

    it('never purges a pending delivery nor its event', async () => {
      const store = await ctx.open();
      await store.createSubscription(subscriptionInput('s'));
      await commitEvents(store, [newEvent('waiting')]);
      expect(await purgeAll(store, 'deliveries', T0 + 10 * DAY)).toBe(0);
      expect(await purgeAll(store, 'events', T0 + 10 * DAY)).toBe(0);
      expect((await store.claimDeliveries(claimAt(T0 + DAY))).map((d) => d.event.id)).toEqual(['waiting']);
    });

    it('remembers a purged event id for the dedupe window: the same event is not inserted again', async () => {
      const store = await ctx.open();
      await store.withProcessingTx((tx) => tx.insertEvents([newEvent('once', { createdAt: T0 })]));
      expect(await purgeAll(store, 'events', T0 + 1, T0 + 100)).toBe(1);
      expect(
        await store.withProcessingTx((tx) => tx.insertEvents([newEvent('once'), newEvent('new')])),
      ).toMatchObject([{ id: 'new' }]);
      expect((await store.oldestRowTimes()).dedupe).toBe(T0 + 100);
      expect(await purgeAll(store, 'dedupe', T0 + 100)).toBe(0);
      expect(await purgeAll(store, 'dedupe', T0 + 101)).toBe(1);
      expect(await store.withProcessingTx((tx) => tx.insertEvents([newEvent('once')]))).toHaveLength(1);
    });

    it('purges message records by last update and the rejected log by arrival', async () => {
      const store = await ctx.open();
      await store.withProcessingTx((tx) =>
        tx.putMessages([
          storedMessage('wamid.old', { updatedAt: T0 }),
          storedMessage('wamid.new', { updatedAt: T0 + DAY }),
        ]),
      );
      await store.recordRejected([rejectedRequest(0), rejectedRequest(DAY)], 100);
      expect((await store.oldestRowTimes()).messages).toBe(T0);
      expect(await purgeAll(store, 'messages', T0 + 1)).toBe(1);
      expect(await store.getMessage('wamid.new')).toBeDefined();
      expect(await purgeAll(store, 'requests', T0 + 1)).toBe(1);
      expect((await store.listRejected({ limit: 10 })).map((row) => row.receivedAt)).toEqual([T0 + DAY]);
    });
  });

  describe('erasure', () => {
    const lena = { wa: '4915112345678', bsuid: 'DE.8841203399120045771', text: 'Lenas secret order 7731' };
    const other = { wa: '4915199999999', text: 'Otto keeps this' };
    const inbound = (from: string, userId: string | null, text: string, wamid: string) => ({
      from,
      ...(userId ? { from_user_id: userId } : {}),
      id: wamid,
      timestamp: '1767261600',
      type: 'text',
      text: { body: text },
    });
    const body = (messages: unknown[], contacts: unknown[]) =>
      Buffer.from(
        JSON.stringify({
          object: 'whatsapp_business_account',
          entry: [
            {
              id: 'waba',
              changes: [
                { field: 'messages', value: { metadata: { phone_number_id: '1065' }, contacts, messages } },
              ],
            },
          ],
        }),
      );

    it('removes a person from every class, rewrites a shared body, and logs only counts', async () => {
      const store = await ctx.open();
      await store.createSubscription(subscriptionInput('s'));
      const [onlyLena, shared, onlyOther] = await store.appendInboxBatch([
        inboxAppend(0, {
          body: body(
            [inbound(lena.wa, lena.bsuid, lena.text, 'wamid.L1')],
            [{ wa_id: lena.wa, user_id: lena.bsuid, profile: { name: 'Lena' } }],
          ),
        }),
        inboxAppend(1, {
          body: body(
            [inbound(lena.wa, null, lena.text, 'wamid.L2'), inbound(other.wa, null, other.text, 'wamid.O1')],
            [
              { wa_id: lena.wa, profile: { name: 'Lena' } },
              { wa_id: other.wa, profile: { name: 'Otto' } },
            ],
          ),
        }),
        inboxAppend(2, { body: body([inbound(`+${other.wa}1`, null, other.text, 'wamid.O2')], []) }),
      ]);
      await commitEvents(store, [
        newEvent('lena-1', { data: { from: { waId: lena.wa, userId: lena.bsuid }, text: lena.text } }),
        newEvent('lena-2', { data: { from: { waId: null, userId: lena.bsuid }, text: lena.text } }),
        newEvent('otto-1', { data: { from: { waId: `${lena.wa}1` }, text: other.text } }),
      ]);
      await store.withProcessingTx((tx) =>
        tx.putMessages([
          storedMessage('wamid.L1', { record: { counterpart: { waId: lena.wa }, text: lena.text } }),
          storedMessage('wamid.O1', { record: { counterpart: { waId: other.wa }, text: other.text } }),
        ]),
      );
      await store.recordRejected(
        [{ ...rejectedRequest(0), bodyPrefix: Buffer.from(`{"from":"${lena.wa}","te`) }, rejectedRequest(1)],
        100,
      );
      // Sends to each, with the business's metadata on the send and on a message sent elsewhere.
      const send = (id: string, wa: string, wamid: string, guest: string) =>
        store
          .createSend({
            id,
            idempotencyKey: null,
            requestHash: id,
            phoneNumberId: '106540352242922',
            input: `0${wa.slice(2)}`,
            recipient: `+${wa}`,
            recipientKind: 'phone',
            messageType: 'text',
            message: { type: 'text', text: { body: 'your table is ready' } },
            metadata: { guest },
            createdAt: T0,
          })
          .then(() => store.finishSend(id, { state: 'accepted', wamid, waId: wa }, T0));
      await send('snd_lena', lena.wa, 'wamid.L3', 'guest-lena');
      await send('snd_other', other.wa, 'wamid.O3', 'guest-otto');
      await send('snd_longer', `${lena.wa}1`, 'wamid.O4', 'guest-longer');
      await store.putMessageMetadata('wamid.L1', { guest: 'guest-lena' }, T0);
      await store.putMessageMetadata('wamid.O1', { guest: 'guest-otto' }, T0);

      const byNumber = await store.erasePerson({ kind: 'wa_id', value: `+${lena.wa}` }, T0 + DAY);
      expect(byNumber).toEqual({
        messages: 1,
        events: 1,
        deliveries: 1,
        inbox_deleted: 1,
        inbox_redacted: 1,
        requests: 1,
        sends: 1,
        answers_redacted: 0,
        metadata_redacted: 0,
        inbox_errors_redacted: 0,
        send_messages_redacted: 0,
      });
      const byBsuid = await store.erasePerson({ kind: 'user_id', value: lena.bsuid }, T0 + DAY);
      expect(byBsuid).toMatchObject({ events: 1, deliveries: 1, inbox_deleted: 0, inbox_redacted: 0 });

      expect(await store.getInboxRow(onlyLena!)).toBeUndefined();
      const rewritten = (await store.getInboxRow(shared!))!.body.toString();
      expect(rewritten).toContain(other.text);
      expect(rewritten).not.toContain(lena.wa);
      expect(rewritten).not.toContain(lena.text);
      expect((await store.getInboxRow(onlyOther!))!.body.toString()).toContain(other.text);
      expect((await store.listEvents({ afterSeq: 0, limit: 10 })).map((e) => e.id)).toEqual(['otto-1']);
      expect(await store.getMessage('wamid.L1')).toBeUndefined();
      expect(await store.getMessage('wamid.O1')).toBeDefined();
      expect(await store.listRejected({ limit: 10 })).toHaveLength(1);
      expect(await store.getSend('snd_lena')).toBeUndefined();
      expect(await store.getMessageContext('wamid.L3')).toBeUndefined();
      expect(await store.getMessageContext('wamid.L1')).toBeUndefined();
      expect(await store.findWamidsByMetadata('guest', 'guest-lena', 10)).toEqual([]);
      expect((await store.getSend('snd_other'))?.recipient).toBe(`+${other.wa}`);
      expect((await store.getSend('snd_longer'))?.recipient).toBe(`+${lena.wa}1`);
      expect(await store.findWamidsByMetadata('guest', 'guest-otto', 10)).toEqual(['wamid.O1', 'wamid.O3']);
      // The erased events stay duplicates: a retry of the webhook does not bring them back.
      expect(await store.withProcessingTx((tx) => tx.insertEvents([newEvent('lena-1')]))).toEqual([]);
      const log = await store.listErasures(10);
      expect(log.map((entry) => [entry.kind, entry.erasedAt])).toEqual([
        ['user_id', T0 + DAY],
        ['wa_id', T0 + DAY],
      ]);
      expect(JSON.stringify(log)).not.toContain(lena.wa);
      expect(JSON.stringify(log)).not.toContain(lena.bsuid);
    });

    it("finds a failed send to a Brazilian or Mexican number by Meta's spelling of it, and the reverse", async () => {
      const store = await ctx.open();
      // Failed sends: no wa_id came back, so only the number as sent (E.164) is on the row.
      const failed = (id: string, recipient: string) =>
        store
          .createSend({
            id,
            idempotencyKey: null,
            requestHash: id,
            phoneNumberId: '106540352242922',
            input: recipient,
            recipient,
            recipientKind: 'phone',
            messageType: 'text',
            message: { type: 'text', text: { body: 'hi' } },
            metadata: null,
            createdAt: T0,
          })
          .then(() => store.finishSend(id, { state: 'failed', error: { code: 131026 } }, T0));
      await failed('snd_br_mobile', '+5511987654321');
      await failed('snd_br_old', '+551187650000');
      await failed('snd_mx', '+525512345678');
      await failed('snd_mx_old', '+5215587654321');
      // A landline (subscriber starting 2-5) never gained the 9: 55 11 9 3333 4444 is someone else.
      await failed('snd_br_landline', '+551133334444');
      const sendsErased = async (wa: string) =>
        (await store.erasePerson({ kind: 'wa_id', value: wa }, T0 + DAY)).sends;

      expect(await sendsErased('551187654321')).toBe(1);
      expect(await sendsErased('5511987650000')).toBe(1);
      expect(await sendsErased('5215512345678')).toBe(1);
      expect(await sendsErased('+52 55 8765 4321')).toBe(1);
      expect(await sendsErased('5511933334444')).toBe(0);
      for (const id of ['snd_br_mobile', 'snd_br_old', 'snd_mx', 'snd_mx_old']) {
        expect(await store.getSend(id)).toBeUndefined();
      }
      expect((await store.getSend('snd_br_landline'))?.recipient).toBe('+551133334444');
    });
  });
}
