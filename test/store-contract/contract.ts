import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { Store } from '../../src/store/ports.js';
import type { StoreBackend } from '../helpers/stores.js';
import { deadLettersContract, deliveryListingContract } from './dead-letters-contract.js';
import { deliveryBatchesContract } from './delivery-batches-contract.js';
import { deliveryQueueContract } from './delivery-queue-contract.js';
import { eventsContract } from './events-contract.js';
import { inboxContract } from './inbox-contract.js';
import { lifecycleContract } from './lifecycle-contract.js';
import { messagesContract } from './messages-contract.js';
import { retentionContract } from './retention-contract.js';
import { sendsContract } from './sends-contract.js';
import { subscriptionsContract } from './subscriptions-contract.js';

/** What a contract test body gets: stores on this file's database, closed after each test. */
export interface ContractContext {
  readonly backend: StoreBackend;
  open(): Promise<Store>;
  concurrentWriter(store: Store): Promise<Store>;
}

/**
 * The store contract: the same test bodies run against every backend, so the two adapters cannot
 * drift. Each backend test file calls this once.
 */
export function describeStoreContract(name: string, backend: StoreBackend): void {
  backend.describe(`store contract on ${name}`, () => {
    const opened: Store[] = [];
    let anyFailed = false;
    let lastFailed = false;
    const track = async (store: Promise<Store>) => {
      const ready = await store;
      opened.push(ready);
      return ready;
    };
    const ctx: ContractContext = {
      backend,
      open: () => track(backend.open()),
      concurrentWriter: async (store) => {
        const writer = await backend.concurrentWriter(store);
        if (writer !== store) opened.push(writer);
        return writer;
      },
    };

    beforeAll(() => backend.setup());
    beforeEach(async () => {
      // After a failure its rows stay where they are, as evidence; the next test moves on.
      if (lastFailed) await backend.nextDatabase();
      else await backend.reset();
    });
    afterEach(async (test) => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
      lastFailed = test.task.result?.state === 'fail';
      // A test of a known issue fails on purpose; only unexpected failures keep the evidence.
      anyFailed ||= lastFailed && !test.task.fails;
    });
    afterAll(() => backend.teardown(anyFailed));

    inboxContract(ctx);
    eventsContract(ctx);
    messagesContract(ctx);
    sendsContract(ctx);
    lifecycleContract(ctx);
    subscriptionsContract(ctx);
    deliveryQueueContract(ctx);
    deliveryBatchesContract(ctx);
    deadLettersContract(ctx);
    retentionContract(ctx);
    deliveryListingContract(ctx);
  });
}
