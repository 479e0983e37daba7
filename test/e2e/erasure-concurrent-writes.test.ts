import { expect, it } from 'vitest';
import type { Store } from '../../src/store/ports.js';
import type { PostgresStore } from '../../src/store/postgres/store.js';
import { type ErasureOps, erasePersonWith } from '../../src/store/shared/erasure.js';
import type { SqliteStore } from '../../src/store/sqlite/store.js';
import { describeEachStore } from '../helpers/delivery-fixtures.js';
import { testWamid } from '../helpers/pipeline.js';
import { claimAt, commitEvents } from '../store-contract/delivery-queue-contract.js';
import { failedAttempt, inboxAppend, newEvent, subscriptionInput } from '../store-contract/fixtures.js';

/**
 * An erasure reads what it will rewrite before its transaction and writes inside it. A write that
 * lands in between must survive: these tests drive the shared erasure code over a real store's
 * statements, and make the write at the moment the erasure has read (the hook only delegates to
 * the store and writes through its public API).
 */
const LENA = '4915112345678';
const OTTO = '4917600000042';
const NOW = 1_767_261_600_000;

function realOps(store: Store): ErasureOps {
  return store.dialect === 'sqlite'
    ? (store as SqliteStore).erasureOps()
    : (store as PostgresStore).erasureOps();
}

/**
 * The store's erasure statements, with `write` run once right after the erasure found the rows of
 * `table` (`scan`: its last scanPage) or read their values (`read`: readValues).
 */
function writingAfter(
  store: Store,
  step: 'scan' | 'read',
  table: string,
  write: () => Promise<void>,
): ErasureOps {
  const ops = realOps(store);
  let written = false;
  const once = async (at: 'scan' | 'read', atTable: string) => {
    if (at !== step || atTable !== table || written) return;
    written = true;
    await write();
  };
  return {
    ...ops,
    async readValues(readTable, keys) {
      const values = await ops.readValues(readTable, keys);
      await once('read', readTable);
      return values;
    },
    async scanPage(scanTable, needle, after, limit) {
      const page = await ops.scanPage(scanTable, needle, after, limit);
      if (page.last === null) await once('scan', scanTable);
      return page;
    },
  };
}

describeEachStore('erasure beside concurrent writes', (stores) => {
  it('keeps a metadata update that lands between the erasure’s read and its write', async () => {
    const { store, close } = await stores.open();
    try {
      const wamid = testWamid('cas', 1);
      await store.putMessageMetadata(wamid, { customer: `+${OTTO}`, referred_by: `+${LENA}` }, NOW);
      const ops = writingAfter(store, 'read', 'contexts', () =>
        store.putMessageMetadata(
          wamid,
          { customer: `+${OTTO}`, referred_by: `+${LENA}`, order: 'A-2' },
          NOW + 1,
        ),
      );
      const erased = await erasePersonWith(ops, { kind: 'wa_id', value: LENA }, NOW + 2);
      expect(erased.metadata_redacted).toBe(1);
      expect((await store.getMessageContext(wamid))?.metadata).toEqual({
        customer: `+${OTTO}`,
        order: 'A-2',
      });
      expect(await store.findWamidsByMetadata('order', 'A-2', 10)).toEqual([wamid]);
      expect(await store.findWamidsByMetadata('referred_by', `+${LENA}`, 10)).toEqual([]);
    } finally {
      await close();
    }
  });

  it('leaves a metadata update that no longer names the person as it was written', async () => {
    const { store, close } = await stores.open();
    try {
      const wamid = testWamid('cas', 2);
      await store.putMessageMetadata(wamid, { customer: `+${OTTO}`, referred_by: `+${LENA}` }, NOW);
      const ops = writingAfter(store, 'read', 'contexts', () =>
        store.putMessageMetadata(wamid, { customer: `+${OTTO}`, referred_by: 'a flyer' }, NOW + 1),
      );
      const erased = await erasePersonWith(ops, { kind: 'wa_id', value: LENA }, NOW + 2);
      expect(erased.metadata_redacted).toBe(0);
      expect((await store.getMessageContext(wamid))?.metadata).toEqual({
        customer: `+${OTTO}`,
        referred_by: 'a flyer',
      });
      expect(await store.findWamidsByMetadata('referred_by', 'a flyer', 10)).toEqual([wamid]);
    } finally {
      await close();
    }
  });

  it('keeps the newer error of a delivery retried between the erasure’s search and its write', async () => {
    const { store, close } = await stores.open();
    try {
      await store.createSubscription(subscriptionInput('crm'));
      await commitEvents(store, [newEvent('otto-status')], NOW);
      const attempt = async (at: number, status: number, error: string) => {
        const [claimed] = await store.claimDeliveries(claimAt(at));
        await store.recordDeliveryAttempts([
          {
            deliveryId: claimed!.id,
            owner: 'loop-a',
            attempt: { ...failedAttempt(at, error), status },
            next: { state: 'pending', nextAttemptAt: at + 1 },
          },
        ]);
      };
      // The subscriber's error page echoed a batch that also held her event.
      await attempt(NOW, 500, `HTTP 500: rejected {"from":"${LENA}"}`);
      const ops = writingAfter(store, 'scan', 'delivery_errors', () =>
        attempt(NOW + 10, 503, 'HTTP 503: busy'),
      );
      const erased = await erasePersonWith(ops, { kind: 'wa_id', value: LENA }, NOW + 20);
      const [delivery] = await store.listDeliveries({ state: 'pending', limit: 10 });
      expect(delivery).toMatchObject({ attempts: 2, lastStatus: 503, lastError: 'HTTP 503: busy' });
      // Only the first attempt's answer quoted her.
      expect(erased.answers_redacted).toBe(1);
    } finally {
      await close();
    }
  });

  it('keeps out the person another erasure took from a shared body while this one ran', async () => {
    const { store, close } = await stores.open();
    try {
      const people = { lena: LENA, otto: OTTO, max: '4917600000099' };
      const body = {
        object: 'whatsapp_business_account',
        entry: [
          {
            id: '102290129340398',
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
                  contacts: Object.values(people).map((wa) => ({ wa_id: wa })),
                  messages: Object.entries(people).map(([name, wa], n) => ({
                    from: wa,
                    id: testWamid('shared', n),
                    timestamp: '1767261600',
                    type: 'text',
                    text: { body: `${name} wrote this` },
                  })),
                },
              },
            ],
          },
        ],
      };
      const [id] = await store.appendInboxBatch([
        inboxAppend(0, { body: Buffer.from(JSON.stringify(body)) }),
      ]);
      // Otto's erasure runs from start to end after Lena's has read the body.
      const ops = writingAfter(store, 'read', 'inbox', async () => {
        expect(await store.erasePerson({ kind: 'wa_id', value: OTTO }, NOW + 1)).toMatchObject({
          inbox_redacted: 1,
        });
      });
      const erased = await erasePersonWith(ops, { kind: 'wa_id', value: LENA }, NOW + 2);
      const left = (await store.getInboxRow(id!))!.body.toString();
      expect(left).toContain('max wrote this');
      expect(left).not.toContain('otto wrote this');
      expect(left).not.toContain(OTTO);
      expect(left).not.toContain('lena wrote this');
      expect(erased).toMatchObject({ inbox_redacted: 1, inbox_deleted: 0 });
    } finally {
      await close();
    }
  });
});
