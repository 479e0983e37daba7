import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hourlyPollingDelivery,
  makeEvent,
  type Subscriber,
  startSubscriber,
} from '../helpers/delivery-fixtures.js';
import { adminRequest, startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

/**
 * A replay wakes the delivery loop at once, whether it comes from the admin API or from the
 * dashboard. The loop here polls once an hour, so only the wake-up can deliver a replayed dead
 * letter within the test; without it the wait times out.
 */

let server: TestServer;
let sink: Subscriber;
let subscriptionId: string;

beforeAll(async () => {
  server = await startTestServer({
    env: { WAHOOK_ROLES: 'receiver,delivery' },
    stages: hourlyPollingDelivery,
  });
  sink = await startSubscriber(() => ({ status: 200 }));
  const created = await adminRequest(server.url, '/v1/subscriptions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: sink.url }),
  });
  expect(created.status).toBe(201);
  subscriptionId = created.json<{ id: string }>().id;
});
afterAll(async () => {
  await server?.cleanup();
  await sink?.close();
});

/**
 * A dead letter made through the store, as a loop elsewhere would have left it: the event is
 * committed without a wake-up and its delivery claimed and killed under another owner.
 */
async function deadLetter(): Promise<{ id: number; eventId: string }> {
  const store = server.server.store;
  const now = Date.now();
  const [event] = await store.withProcessingTx(async (tx) => {
    const inserted = await tx.insertEvents([makeEvent(`wamid.replay-wakeup-${now}`)]);
    await tx.enqueueDeliveries(inserted, now);
    return inserted;
  });
  const claimed = await store.claimDeliveries({
    owner: 'elsewhere',
    now,
    leaseMs: 60_000,
    lane: 'live',
    limit: 10,
    slots: new Map(),
    defaultSlots: 10,
  });
  const delivery = claimed.find((row) => row.event.id === event!.id);
  expect(delivery?.subscription.id).toBe(subscriptionId);
  await store.recordDeliveryAttempts([
    {
      deliveryId: delivery!.id,
      owner: 'elsewhere',
      attempt: {
        attemptedAt: now,
        outcome: 'http_error',
        status: 500,
        latencyMs: 1,
        responsePrefix: null,
        error: 'HTTP 500',
      },
      next: { state: 'dead', error: 'HTTP 500 (gave up after 1 attempts)' },
    },
  ]);
  return { id: delivery!.id, eventId: event!.id };
}

const receivedIds = () => sink.received.map((request) => String(request.headers['webhook-id']));

/** The dashboard's replay form, posted as a browser posts it. */
function replayForm(fields: Record<string, string>) {
  return adminRequest(server.url, '/dashboard/deliveries/replay', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

describe('the dashboard replay selects what the API selects', () => {
  it('counts the same dead letters for a filter by subscription, time and error', async () => {
    const dead = await deadLetter();
    // The form's datetime-local field has minutes and no zone; the dashboard reads it as UTC.
    const minute = new Date(Date.now() - 60_000).toISOString().slice(0, 16);
    const api = await adminRequest(server.url, '/v1/dead-letters/replay', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subscription: subscriptionId,
        since: `${minute}:00Z`,
        error: 'http 500',
        dry_run: true,
      }),
    });
    const wouldReplay = api.json<{ would_replay: number }>().would_replay;
    expect(wouldReplay).toBeGreaterThanOrEqual(1);
    const form = await replayForm({
      subscription: subscriptionId,
      since: minute,
      error: 'http 500',
    });
    expect(form.status).toBe(200);
    expect(form.text()).toContain(`Would replay ${wouldReplay}</strong>`);
    const none = await replayForm({ subscription: subscriptionId, error: 'no such error' });
    expect(none.text()).toContain('Would replay 0</strong>');
    const bad = await replayForm({ since: 'yesterday' });
    expect(bad.status).toBe(400);
    expect(bad.text()).toContain('since must be a time, e.g. 2026-01-31T12:00');
    const empty = await replayForm({ subscription: '' });
    expect(empty.status).toBe(400);
    expect(empty.text()).toContain('choose a subscription, a time or an error text to replay by');
    expect((await server.server.store.getDeadLetter(dead.id))?.id).toBe(dead.id);
  });
});

describe('replay wakes the delivery loop', () => {
  it('delivers a dead letter replayed through POST /v1/dead-letters/replay at once', async () => {
    const dead = await deadLetter();
    const answer = await adminRequest(server.url, '/v1/dead-letters/replay', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ids: [dead.id] }),
    });
    expect(answer.json()).toEqual({ replayed: 1 });
    await waitFor(() => receivedIds().includes(dead.eventId), 'the API replay to be delivered');
  });

  it('delivers a dead letter replayed from the dashboard at once', async () => {
    const dead = await deadLetter();
    const answer = await replayForm({ id: String(dead.id), dry_run: '0' });
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toContain('done=replayed&n=1');
    await waitFor(() => receivedIds().includes(dead.eventId), 'the dashboard replay to be delivered');
  });
});
