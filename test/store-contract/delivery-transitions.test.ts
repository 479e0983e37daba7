import { expect, it } from 'vitest';
import {
  DELIVERY_EVENTS,
  DELIVERY_STATES,
  DELIVERY_TRANSITIONS,
  type DeliveryEvent,
  type DeliveryState,
} from '../../src/deliver/delivery-states.js';
import type { AttemptRecord, DeliveryNext } from '../../src/store/delivery-ports.js';
import { type BackendStore, describeEachStore } from '../helpers/delivery-fixtures.js';
import { claimAt, commitEvents } from './delivery-queue-contract.js';
import { failedAttempt, newEvent, subscriptionInput, successfulAttempt, T0 } from './fixtures.js';

/**
 * The delivery state machine as the SQL carries it out. Every (state, event) pair is driven
 * through a real store's port the way the delivery loop, the breaker, the 410 path and replay do,
 * and the row must end where DELIVERY_TRANSITIONS says, or stay where it was when the table has no
 * such move. The expectations come from the table, so a table and SQL that disagree fail here.
 */

const OWNER = 'loop-a';
const LEASE_MS = claimAt(T0).leaseMs;

function goneAttempt(at: number): AttemptRecord {
  return { ...failedAttempt(at, 'HTTP 410'), outcome: 'gone', status: 410 };
}

/**
 * What happens to delivery `id` on one event. `applied` is what the store answered (a claim that
 * leased it, a move it reported applied, a replay that counted it), or undefined where the port
 * answers nothing.
 */
type Driver = (subject: BackendStore, id: number) => Promise<{ applied?: boolean }>;

/** The loop claims what is due, then records its attempt with the next state, as deliver-one does. */
function attemptThen(next: DeliveryNext, attempt: AttemptRecord = failedAttempt(T0 + 1)): Driver {
  return async ({ store }, id) => {
    await store.claimDeliveries(claimAt(T0));
    const [applied] = await store.recordDeliveryAttempts([{ deliveryId: id, owner: OWNER, attempt, next }]);
    return { applied };
  };
}

const DRIVERS: Record<DeliveryEvent, Driver> = {
  claimed: async ({ store }, id) => {
    const claimed = await store.claimDeliveries(claimAt(T0));
    return { applied: claimed.some((d) => d.id === id) };
  },
  lease_expired: async ({ store }, id) => {
    await store.claimDeliveries(claimAt(T0));
    const reclaimed = await store.claimDeliveries(claimAt(T0 + LEASE_MS + 1, { owner: 'loop-b' }));
    return { applied: reclaimed.some((d) => d.id === id) };
  },
  deferred_by_breaker: async ({ store }, id) => {
    await store.claimDeliveries(claimAt(T0));
    await store.deferDeliveries([{ deliveryId: id, owner: OWNER, nextAttemptAt: T0 + 60_000 }]);
    return {};
  },
  answered_2xx: attemptThen({ state: 'succeeded' }, successfulAttempt(T0 + 1)),
  failed_with_retries_left: attemptThen({ state: 'pending', nextAttemptAt: T0 + 5_000 }),
  failed_last_retry: attemptThen({ state: 'dead', error: 'HTTP 500' }),
  // A 410: the attempt is recorded as dead and disables the subscription in the same
  // transaction (deliver-one.ts).
  subscription_disabled: attemptThen(
    { state: 'dead', error: 'HTTP 410', disableSubscription: 'the endpoint answered 410 Gone' },
    goneAttempt(T0 + 1),
  ),
  replayed: async ({ store }, id) => {
    const replayed = await store.replayDeadLetters({ ids: [id] }, { now: T0 + 10, dryRun: false });
    return { applied: replayed === 1 };
  },
};

/** One delivery brought to `state` through the port; answers its id. */
async function deliveryIn(subject: BackendStore, state: DeliveryState): Promise<number> {
  const { store } = subject;
  await store.createSubscription(subscriptionInput('sub'));
  await commitEvents(store, [newEvent('e1')]);
  const [row] = await subject.rows<{ id: number | string }>('SELECT id FROM deliveries');
  const id = Number(row?.id);
  if (state !== 'pending') {
    await store.claimDeliveries(claimAt(T0));
    const next: DeliveryNext = state === 'succeeded' ? { state } : { state, error: 'HTTP 500' };
    await store.recordDeliveryAttempts([{ deliveryId: id, owner: OWNER, attempt: failedAttempt(T0), next }]);
  }
  expect(await stateOf(subject, id)).toBe(state);
  return id;
}

async function stateOf(subject: BackendStore, id: number): Promise<string | undefined> {
  const rows = await subject.rows<{ state: string }>('SELECT state FROM deliveries WHERE id = $1', [id]);
  return rows[0]?.state;
}

const CASES = DELIVERY_STATES.flatMap((from) =>
  DELIVERY_EVENTS.map((on) => {
    const transition = DELIVERY_TRANSITIONS.find((entry) => entry.from === from && entry.on === on);
    return { from, on, allowed: transition !== undefined, to: transition?.to ?? from };
  }),
);

describeEachStore('delivery transitions in SQL', (stores) => {
  it('covers every state and event of the table', () => {
    expect(CASES.filter((c) => c.allowed)).toHaveLength(DELIVERY_TRANSITIONS.length);
    expect(CASES.length).toBe(DELIVERY_STATES.length * DELIVERY_EVENTS.length);
  });

  it.each(CASES)(
    'a $from delivery on $on ends $to (allowed: $allowed)',
    async ({ from, on, allowed, to }) => {
      const subject = await stores.open();
      try {
        const id = await deliveryIn(subject, from);
        const { applied } = await DRIVERS[on](subject, id);
        expect(await stateOf(subject, id)).toBe(to);
        if (applied !== undefined) expect(applied).toBe(allowed);
      } finally {
        await subject.close();
      }
    },
  );

  it('turns a pending delivery dead when an operator disables its subscription', async () => {
    const subject = await stores.open();
    try {
      const id = await deliveryIn(subject, 'pending');
      await subject.store.updateSubscription('sub', { enabled: false }, T0 + 1);
      const expected = DELIVERY_TRANSITIONS.find(
        (t) => t.from === 'pending' && t.on === 'subscription_disabled',
      );
      expect(await stateOf(subject, id)).toBe(expected?.to);
    } finally {
      await subject.close();
    }
  });
});
