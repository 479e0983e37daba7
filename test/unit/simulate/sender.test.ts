import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createScenario, type ScenarioOptions } from '../../../src/simulate/scenario.js';
import { type SenderOptions, sendDeliveries } from '../../../src/simulate/sender.js';
import { verifyExpectedStates } from '../../../src/simulate/verify.js';
import { type FakeReceiver, type FakeReceiverOptions, startFakeReceiver } from './fake-receiver.js';

const SECRET = 'sender_test_secret';

const receivers: FakeReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function receiver(options: Omit<FakeReceiverOptions, 'secret'> = {}): Promise<FakeReceiver> {
  const started = await startFakeReceiver({ secret: SECRET, ...options });
  receivers.push(started);
  return started;
}

function scenario(overrides: Partial<ScenarioOptions> = {}) {
  return createScenario({
    seed: 'sender',
    messages: 20,
    inbound: 10,
    startTime: 1767261600,
    batchSize: 1,
    duplicates: 0,
    reorder: 0,
    reorderWindow: 8,
    ...overrides,
  });
}

function senderOptions(url: string, overrides: Partial<SenderOptions> = {}): SenderOptions {
  return {
    url,
    secret: SECRET,
    concurrency: 4,
    timeoutMs: 5_000,
    maxRetries: 5,
    timeScale: 0.0001,
    jitterMs: 0,
    maxDurationMs: 60_000,
    seed: 'sender',
    ...overrides,
  };
}

const bodySet = (bodies: readonly Buffer[]) => new Set(bodies.map((body) => body.toString('utf8')));

async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/webhooks/whatsapp`;
}

describe('webhook sender', () => {
  it("signs every POST over its exact bytes and sends Meta's headers plus extra ones", async () => {
    const fake = await receiver();
    const plan = scenario();
    const records = await sendDeliveries(
      plan.deliveries,
      senderOptions(fake.url, { headers: { 'X-Bsp-Secret': 'bsp-123' } }),
    );
    expect(records.every((record) => record.outcome === 'acknowledged' && record.attempts === 1)).toBe(true);
    expect(records.every((record) => record.ackLatencyMs !== null)).toBe(true);
    expect(fake.posts.length).toBe(plan.deliveries.length);
    for (const post of fake.posts) {
      expect(post.signatureValid).toBe(true);
      expect(post.headers['content-type']).toBe('application/json');
      expect(post.headers['x-bsp-secret']).toBe('bsp-123');
    }
    expect(bodySet(fake.accepted)).toEqual(bodySet(plan.deliveries.map((delivery) => delivery.body)));
  });

  it('retries a flaky receiver until every payload is acknowledged, counting the retries', async () => {
    const fake = await receiver({ answer: (post) => (post.copy <= 2 ? 503 : 200) });
    const plan = scenario();
    const records = await sendDeliveries(plan.deliveries, senderOptions(fake.url));
    expect(records.every((record) => record.outcome === 'acknowledged')).toBe(true);
    expect(records.map((record) => record.attempts)).toEqual(records.map(() => 3));
    expect(fake.posts.length).toBe(plan.deliveries.length * 3);
    expect(bodySet(fake.accepted)).toEqual(bodySet(plan.deliveries.map((delivery) => delivery.body)));
  });

  it('treats a request that gets no answer in time as failed and retries it', async () => {
    const fake = await receiver({ answer: (post) => (post.copy === 1 ? 'hang' : 200) });
    const plan = scenario({ messages: 3, inbound: 0 });
    const records = await sendDeliveries(plan.deliveries, senderOptions(fake.url, { timeoutMs: 150 }));
    expect(records.every((record) => record.outcome === 'acknowledged' && record.attempts === 2)).toBe(true);
    expect(fake.accepted.length).toBe(plan.deliveries.length);
  });

  it('gives up after the last retry when the receiver never acknowledges', async () => {
    const fake = await receiver({ answer: () => 500 });
    const plan = scenario({ messages: 2, inbound: 1 });
    const records = await sendDeliveries(plan.deliveries, senderOptions(fake.url, { maxRetries: 3 }));
    for (const record of records) {
      expect(record).toMatchObject({ outcome: 'gave_up', reason: 'max_retries', attempts: 4 });
      expect(record.lastAttempt).toMatchObject({ kind: 'answered', status: 500 });
    }
    expect(fake.posts.length).toBe(plan.deliveries.length * 4);
  });

  it('records connection errors and retries them', async () => {
    const plan = scenario({ messages: 1, inbound: 1 });
    const records = await sendDeliveries(
      plan.deliveries,
      senderOptions(await closedPortUrl(), { maxRetries: 2 }),
    );
    for (const record of records) {
      expect(record).toMatchObject({ outcome: 'gave_up', reason: 'max_retries', attempts: 3 });
      expect(record.lastAttempt?.kind).toBe('connection_error');
    }
  });

  it('stops retrying at the deadline instead of following the real schedule', async () => {
    const fake = await receiver({ answer: () => 503 });
    const plan = scenario({ messages: 2, inbound: 0 });
    const records = await sendDeliveries(
      plan.deliveries,
      senderOptions(fake.url, { timeScale: 1, maxRetries: 100, maxDurationMs: 300 }),
    );
    for (const record of records) expect(record).toMatchObject({ outcome: 'gave_up', reason: 'deadline' });
  });

  it('produces duplicates and reordering at the receiver at the asked rates', async () => {
    const fake = await receiver();
    const plan = scenario({ seed: 'rates', messages: 150, inbound: 60, duplicates: 0.1, reorder: 0.2 });
    await sendDeliveries(plan.deliveries, senderOptions(fake.url, { concurrency: 1 }));
    const batchOf = new Map(
      plan.deliveries.map((delivery) => [delivery.body.toString('utf8'), delivery.batch]),
    );
    const firstArrivals = fake.posts.filter((post) => post.copy === 1);
    const duplicates = fake.posts.length - firstArrivals.length;
    expect(firstArrivals.length).toBe(plan.batchCount);
    expect(Math.abs(duplicates / plan.batchCount - 0.1)).toBeLessThan(0.05);
    let highest = -1;
    let overtaken = 0;
    for (const post of firstArrivals) {
      const batch = batchOf.get(post.body.toString('utf8')) ?? -1;
      if (batch < highest) overtaken++;
      highest = Math.max(highest, batch);
    }
    expect(Math.abs(overtaken / plan.batchCount - 0.2)).toBeLessThan(0.05);
  });

  it('states final statuses that a rank-merging receiver reaches under reordering and one keeping the last arrival misses', async () => {
    const plan = scenario({ seed: 'merge', messages: 80, inbound: 20, duplicates: 0.2, reorder: 0.5 });
    const ranked = await receiver({ merge: 'rank' });
    const lastArrival = await receiver({ merge: 'last_arrival' });
    await sendDeliveries(plan.deliveries, senderOptions(ranked.url));
    await sendDeliveries(plan.deliveries, senderOptions(lastArrival.url));
    const verify = (baseUrl: string) =>
      verifyExpectedStates(plan.expected, { baseUrl, adminToken: undefined, timeoutMs: 0 });
    const good = await verify(ranked.baseUrl);
    expect(good.mismatches).toEqual([]);
    expect(good.checked).toBe(100);
    const bad = await verify(lastArrival.baseUrl);
    expect(bad.mismatches.length).toBeGreaterThan(0);
    expect(bad.mismatches.every((mismatch) => mismatch.expected.direction === 'outbound')).toBe(true);
  });
});
