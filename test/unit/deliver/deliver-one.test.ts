import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAttemptRecorder } from '../../../src/deliver/attempt-recorder.js';
import { CircuitBreakers, DEFAULT_BREAKER_POLICY } from '../../../src/deliver/circuit.js';
import { type DeliverDeps, deliverClaimed, USER_AGENT } from '../../../src/deliver/deliver-one.js';
import { DeliveryHttp } from '../../../src/deliver/http-attempt.js';
import { Bus, type BusEventName } from '../../../src/observe/bus.js';
import type { ClaimedDelivery } from '../../../src/store/delivery-ports.js';
import {
  type Answer,
  commitEvents,
  ManualClock,
  makeEvent,
  type Subscriber,
  startSubscriber,
  type TempStore,
  tempStore,
} from '../../helpers/delivery-fixtures.js';

/**
 * deliverClaimed (src/deliver/deliver-one.ts): one attempt of one claimed delivery, against a
 * real SQLite store, a real subscriber on loopback and a clock the test moves. What it sends, what
 * it decides and what the store holds afterwards.
 */
const SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const RETRY_DELAYS = [60_000, 600_000];

let temp: TempStore;
let sink: Subscriber;
let answer: Answer;
let http: DeliveryHttp;
let clock: ManualClock;
let bus: Bus;
let heard: string[];

beforeEach(async () => {
  temp = await tempStore();
  answer = { status: 200 };
  sink = await startSubscriber(() => answer);
  http = new DeliveryHttp({ allowPrivate: true });
  clock = new ManualClock();
  bus = new Bus();
  heard = [];
  const names: BusEventName[] = ['delivery:succeeded', 'delivery:retry_scheduled', 'delivery:dead'];
  for (const name of names) bus.on(name, () => heard.push(name));
  await temp.store.createSubscription({
    id: 'sub_crm',
    url: sink.url,
    events: ['*'],
    phoneNumberIds: null,
    headers: { 'x-tenant': 'acme' },
    description: null,
    enabled: true,
    batch: null,
    secret: SECRET,
    source: 'api',
    now: clock.now(),
  });
});
afterEach(async () => {
  await http.close();
  await sink.close();
  await temp.cleanup();
});

function deps(breakers = new CircuitBreakers(DEFAULT_BREAKER_POLICY, clock)): DeliverDeps {
  return {
    store: temp.store,
    recorder: createAttemptRecorder(temp.store),
    bus,
    clock,
    // The middle of the jitter: the retry lands exactly on the configured delay.
    random: () => 0.5,
    breakers,
    http,
    owner: 'loop-test',
    retryDelaysMs: RETRY_DELAYS,
    timeoutMs: 5_000,
  };
}

/** Commits one event and claims its delivery, as the loop would. */
async function claimOne(): Promise<ClaimedDelivery> {
  await commitEvents(temp.store, [makeEvent('wamid.deliver-one')], clock.now());
  const [claimed] = await temp.store.claimDeliveries({
    owner: 'loop-test',
    now: clock.now(),
    leaseMs: 60_000,
    lane: 'live',
    limit: 1,
    slots: new Map(),
    defaultSlots: 4,
  });
  if (!claimed) throw new Error('nothing was claimed');
  return claimed;
}

async function listed(state: 'pending' | 'dead') {
  return temp.store.listDeliveries({ state, limit: 10 });
}

describe('deliverClaimed', () => {
  it('sends the event signed, with its headers, and records the success', async () => {
    const delivery = await claimOne();
    expect(await deliverClaimed(delivery, deps())).toEqual({ kind: 'succeeded' });

    expect(sink.received).toHaveLength(1);
    const request = sink.received[0]!;
    expect(request.headers).toMatchObject({
      'webhook-id': delivery.event.id,
      'webhook-timestamp': String(Math.floor(clock.now() / 1000)),
      'webhook-sequence': String(delivery.sequence),
      'user-agent': USER_AGENT,
      'x-tenant': 'acme',
    });
    expect(String(request.headers['webhook-signature'])).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(JSON.parse(request.body)).toMatchObject({ id: delivery.event.id, type: delivery.event.type });
    expect(await listed('pending')).toEqual([]);
    expect(await listed('dead')).toEqual([]);
    expect(heard).toEqual(['delivery:succeeded']);
  });

  it('schedules a retry after a failure with retries left, at the configured delay', async () => {
    answer = { status: 503, body: 'busy' };
    const delivery = await claimOne();
    const decision = await deliverClaimed(delivery, deps());
    expect(decision).toMatchObject({ kind: 'retry', delayMs: RETRY_DELAYS[0] });
    expect(await listed('pending')).toMatchObject([
      { id: delivery.id, attempts: 1, lastStatus: 503, nextAttemptAt: clock.now() + RETRY_DELAYS[0]! },
    ]);
    expect(heard).toEqual(['delivery:retry_scheduled']);
  });

  it('makes a dead letter of a failure on the last attempt', async () => {
    answer = { status: 500 };
    const delivery = await claimOne();
    const last = { ...delivery, attempts: RETRY_DELAYS.length };
    const decision = await deliverClaimed(last, deps());
    expect(decision).toMatchObject({ kind: 'dead' });
    expect(await listed('dead')).toMatchObject([{ id: delivery.id, lastStatus: 500 }]);
    expect(heard).toEqual(['delivery:dead']);
  });

  it('disables the subscription when the endpoint answers 410 Gone', async () => {
    answer = { status: 410 };
    const delivery = await claimOne();
    expect(await deliverClaimed(delivery, deps())).toMatchObject({ kind: 'disable_subscription' });
    expect(await temp.store.getSubscription('sub_crm')).toMatchObject({ enabled: false });
    expect(await listed('dead')).toMatchObject([{ id: delivery.id }]);
  });

  it('puts the delivery back unsent while the breaker is open, counting no attempt', async () => {
    const breakers = new CircuitBreakers({ ...DEFAULT_BREAKER_POLICY, failureThreshold: 1 }, clock);
    breakers.record('sub_crm', true);
    const delivery = await claimOne();
    expect(await deliverClaimed(delivery, deps(breakers))).toBe('deferred');
    expect(sink.received).toEqual([]);
    expect(await listed('pending')).toMatchObject([{ id: delivery.id, attempts: 0 }]);
    expect(heard).toEqual([]);
  });
});
