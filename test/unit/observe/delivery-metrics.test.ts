import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSecret } from '../../../src/deliver/signing.js';
import { Bus } from '../../../src/observe/bus.js';
import { registerDeliveryMetrics } from '../../../src/observe/delivery-metrics.js';
import {
  commitEvents,
  ManualClock,
  makeEvent,
  type TempStore,
  tempStore,
} from '../../helpers/delivery-fixtures.js';

let temp: TempStore | undefined;
afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

describe('delivery metrics', () => {
  it('counts attempts, latency, dead letters and breaker state from the bus', async () => {
    temp = await tempStore();
    const registry = new Registry();
    const bus = new Bus();
    registerDeliveryMetrics(registry, bus, temp.store, new ManualClock());
    bus.emit('delivery:attempt', {
      subscriptionId: 'sub_a',
      outcome: 'http_error',
      status: 500,
      latencyMs: 40,
    });
    bus.emit('delivery:attempt', { subscriptionId: 'sub_a', outcome: 'success', status: 200, latencyMs: 20 });
    bus.emit('delivery:succeeded', { subscriptionId: 'sub_a', endToEndMs: 1_500 });
    bus.emit('delivery:dead', { subscriptionId: 'sub_b', reason: 'retries_exhausted' });
    bus.emit('delivery:breaker', { subscriptionId: 'sub_b', state: 'open' });

    const text = await registry.metrics();
    expect(text).toContain('wahook_delivery_attempts_total{subscription="sub_a",outcome="http_error"} 1');
    expect(text).toContain('wahook_delivery_attempts_total{subscription="sub_a",outcome="success"} 1');
    expect(text).toContain('wahook_delivery_latency_seconds_sum{subscription="sub_a"} 1.5');
    expect(text).toContain(
      'wahook_delivery_dead_letters_total{subscription="sub_b",reason="retries_exhausted"} 1',
    );
    expect(text).toContain('wahook_delivery_breaker_state{subscription="sub_b"} 2');
  });

  it('reads queue depth and the age of the oldest due delivery from the store at scrape', async () => {
    temp = await tempStore();
    const clock = new ManualClock();
    const registry = new Registry();
    registerDeliveryMetrics(registry, new Bus(), temp.store, clock);
    await temp.store.createSubscription({
      id: 'sub_q',
      url: 'http://127.0.0.1:9/',
      events: ['*'],
      phoneNumberIds: null,
      headers: {},
      description: null,
      enabled: true,
      secret: generateSecret(),
      source: 'api',
      now: clock.now(),
    });
    await commitEvents(temp.store, [makeEvent('wamid.Q1'), makeEvent('wamid.Q2')], clock.now());
    clock.advance(90_000);

    const text = await registry.metrics();
    expect(text).toContain('wahook_delivery_queue_depth{state="due"} 2');
    expect(text).toContain('wahook_delivery_oldest_due_age_seconds 90');
    expect(text).toContain('wahook_delivery_dead_letters 0');
  });
});
