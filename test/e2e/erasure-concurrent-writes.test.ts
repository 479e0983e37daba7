import { expect, it } from 'vitest';
import type { Store } from '../../src/store/ports.js';
import type { PostgresStore } from '../../src/store/postgres/store.js';
import { type ErasureOps, erasePersonWith } from '../../src/store/shared/erasure.js';
import type { SqliteStore } from '../../src/store/sqlite/store.js';
import { describeEachStore } from '../helpers/delivery-fixtures.js';
import { testWamid } from '../helpers/pipeline.js';
import { claimAt, commitEvents } from '../store-contract/delivery-queue-contract.js';
import { failedAttempt, newEvent, subscriptionInput } from '../store-contract/fixtures.js';

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
 * The store's erasure statements, with `write` run once right after the erasure read `table`
 * (readValues), or found its rows by scanning (the last scanPage of a table that fits one page).
 */
function writingAfterRead(store: Store, table: string, write: () => Promise<void>): ErasureOps {
  const ops = realOps(store);
  let written = false;
  const once = async (at: string) => {
    if (at !== table || written) return;
    written = true;
    await write();
  };
  return {
    ...ops,
    async readValues(readTable, keys) {
      const values = await ops.readValues(readTable, keys);
      await once(readTable);
      return values;
    },
    async scanPage(scanTable, needle, after, limit) {
      const page = await ops.scanPage(scanTable, needle, after, limit);
      if (page.last === null) await once(scanTable);
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
      const ops = writingAfterRead(store, 'contexts', () =>
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
      const ops = writingAfterRead(store, 'contexts', () =>
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
      const ops = writingAfterRead(store, 'delivery_errors', () => attempt(NOW + 10, 503, 'HTTP 503: busy'));
      const erased = await erasePersonWith(ops, { kind: 'wa_id', value: LENA }, NOW + 20);
      const [delivery] = await store.listDeliveries({ state: 'pending', limit: 10 });
      expect(delivery).toMatchObject({ attempts: 2, lastStatus: 503, lastError: 'HTTP 503: busy' });
      // Only the first attempt's answer quoted her.
      expect(erased.answers_redacted).toBe(1);
    } finally {
      await close();
    }
  });
});
