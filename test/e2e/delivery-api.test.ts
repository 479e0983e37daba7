import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStages } from '../../src/stages.js';
import {
  describeEachStore,
  type ReceivedRequest,
  type Subscriber,
  startSubscriber,
} from '../helpers/delivery-fixtures.js';
import { postSigned, statusWebhook, testWamid } from '../helpers/pipeline.js';
import { adminRequest, startTestServerOn, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

interface SubscriptionJson {
  id: string;
  url: string;
  events: string[];
  secret: string;
  enabled: boolean;
}

function delivered(received: readonly ReceivedRequest[]): ReceivedRequest[] {
  return received.filter((request) => request.status >= 200 && request.status < 300);
}

/**
 * The whole path as a business system sees it: subscriptions made through the admin API, a signed
 * WhatsApp webhook in, a signed event out; dead letters listed, filtered and replayed over HTTP. On
 * SQLite and on PostgreSQL: one server per store, its data shared by the tests of that store.
 */
describeEachStore('delivery API', (stores) => {
  let server: TestServer;
  let sink: Subscriber;
  let failing = true;
  let flaky: Subscriber;

  beforeAll(async () => {
    server = await startTestServerOn(stores, {
      env: { WAHOOK_ROLES: 'all', WAHOOK_DELIVERY_RETRY_DELAYS: '5ms,5ms' },
      stages: createStages,
    });
    sink = await startSubscriber(() => ({ status: 204 }));
    flaky = await startSubscriber(() =>
      failing ? { status: 500, body: 'ledger offline' } : { status: 200 },
    );
  });
  afterAll(async () => {
    await server?.cleanup();
    await sink?.close();
    await flaky?.close();
  });

  async function createSubscription(body: Record<string, unknown>): Promise<SubscriptionJson> {
    const response = await adminRequest(server.url, '/v1/subscriptions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status, response.text()).toBe(201);
    return response.json<SubscriptionJson>();
  }

  function post(path: string, body: unknown) {
    return adminRequest(server.url, path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  describe('subscriptions API', () => {
    it('creates a subscription with a generated whsec_ secret, lists, changes and removes it', async () => {
      const created = await createSubscription({ url: 'https://erp.example.com/hooks', events: ['*'] });
      expect(created).toMatchObject({ url: 'https://erp.example.com/hooks', events: ['*'], enabled: true });
      expect(created.id).toMatch(/^sub_/);
      expect(Buffer.from(created.secret.replace(/^whsec_/, ''), 'base64').length).toBeGreaterThanOrEqual(24);

      const listed = (await adminRequest(server.url, '/v1/subscriptions')).json<{
        subscriptions: SubscriptionJson[];
      }>();
      expect(listed.subscriptions.map((entry) => entry.id)).toContain(created.id);

      const patched = await adminRequest(server.url, `/v1/subscriptions/${created.id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ enabled: false }),
      });
      expect(patched.json()).toMatchObject({ enabled: false, disabled_reason: 'disabled by an operator' });

      const removed = await adminRequest(server.url, `/v1/subscriptions/${created.id}`, { method: 'DELETE' });
      expect(removed.status).toBe(204);
      expect((await adminRequest(server.url, `/v1/subscriptions/${created.id}`)).status).toBe(404);
      expect(
        (await adminRequest(server.url, `/v1/subscriptions/${created.id}`, { method: 'DELETE' })).status,
      ).toBe(404);
    });

    it('answers 400 naming the field and the fix for a bad URL, and 401 without the token', async () => {
      const response = await post('/v1/subscriptions', { url: 'erp.example.com/hooks', events: ['*'] });
      expect(response.status).toBe(400);
      expect(response.json()).toEqual({
        error: 'bad_request',
        message:
          'url: must be an absolute http:// or https:// URL, e.g. https://erp.example.com/whatsapp-events',
        hint: 'Fix the request as the message says.',
      });
      const anonymous = await adminRequest(server.url, '/v1/subscriptions', { token: 'wrong' });
      expect(anonymous.status).toBe(401);
    });

    it('takes a batch policy on create, changes and clears it, and names a bad limit', async () => {
      const created = await createSubscription({
        url: 'https://erp.example.com/batched',
        batch: { max_events: 100, max_wait: '2s' },
      });
      expect(created).toMatchObject({ batch: { max_events: 100, max_wait: '2s' } });
      const patch = (body: unknown) =>
        adminRequest(server.url, `/v1/subscriptions/${created.id}`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await patch({ batch: { max_events: 10 } })).json()).toMatchObject({
        batch: { max_events: 10, max_wait: '1s' },
      });
      expect((await patch({ description: 'kept' })).json()).toMatchObject({ batch: { max_events: 10 } });
      expect((await patch({ batch: null })).json()).toMatchObject({ batch: null });
      const refused = await post('/v1/subscriptions', {
        url: 'https://erp.example.com/x',
        batch: { max_events: 0 },
      });
      expect(refused.status).toBe(400);
      expect(refused.json<{ message: string }>().message).toMatch(/^batch\.max_events: /);
    });
  });

  describe('events pushed to business systems', () => {
    it('pushes the statuses of one webhook to a batched subscription as one signed array', async () => {
      const batchSink = await startSubscriber(() => ({ status: 200 }));
      try {
        const subscription = await createSubscription({
          url: batchSink.url,
          events: ['message.status'],
          batch: { max_events: 3, max_wait: '5m' },
        });
        const statuses = [1, 2, 3].map((n) => ({
          wamid: testWamid('delivery-api-batch', n),
          status: 'sent',
          timestamp: 1767262000 + n,
        }));
        await postSigned(server.url, statusWebhook(statuses));

        await waitFor(() => delivered(batchSink.received).length === 1, 'one batch is delivered');
        const [request] = batchSink.received as [ReceivedRequest];
        const events = new Webhook(subscription.secret).verify(
          request.body,
          request.headers as Record<string, string>,
        ) as { type: string }[];
        expect(request.headers['webhook-id']).toMatch(/^bat_/);
        expect(events.map((event) => event.type)).toEqual([
          'message.status',
          'message.status',
          'message.status',
        ]);
        await adminRequest(server.url, `/v1/subscriptions/${subscription.id}`, { method: 'DELETE' });
      } finally {
        await batchSink.close();
      }
    });

    it('turns a signed WhatsApp webhook into signed message.status events, in order per message', async () => {
      const subscription = await createSubscription({ url: sink.url, events: ['message.status'] });
      const wamid = testWamid('delivery-api', 1);
      const statuses = ['sent', 'delivered', 'read'].map((status, i) => ({
        wamid,
        status,
        timestamp: 1767262000 + i,
      }));
      await postSigned(server.url, statusWebhook(statuses));

      await waitFor(() => delivered(sink.received).length === 3, 'three status events are delivered');
      const webhook = new Webhook(subscription.secret);
      const bodies = sink.received.map(
        (request) =>
          webhook.verify(request.body, request.headers as Record<string, string>) as {
            type: string;
            sequence: number;
            ordering_key: string;
          },
      );
      expect(bodies.map((body) => body.type)).toEqual(['message.status', 'message.status', 'message.status']);
      expect(bodies.map((body) => body.sequence)).toEqual([1, 2, 3]);
      expect(new Set(bodies.map((body) => body.ordering_key)).size).toBe(1);
    });

    it('lists dead letters with filters and replays them through the API, keeping the event ids', async () => {
      const subscription = await createSubscription({ url: flaky.url, events: ['*'] });
      const wamid = testWamid('delivery-api', 2);
      await postSigned(server.url, statusWebhook([{ wamid, status: 'sent', timestamp: 1767263000 }]));

      type DeadLetters = {
        dead_letters: { id: number; event_id: string; attempts: number; last_error: string }[];
      };
      const list = async (query: string) =>
        (await adminRequest(server.url, `/v1/dead-letters?${query}`)).json<DeadLetters>().dead_letters;
      await waitFor(
        async () => (await list(`subscription=${subscription.id}`)).length === 1,
        'a dead letter',
      );
      const [letter] = await list(`subscription=${subscription.id}&error=ledger+offline`);
      expect(letter).toMatchObject({
        attempts: 3,
        last_error: expect.stringContaining('HTTP 500: ledger offline'),
      });
      expect(await list(`subscription=${subscription.id}&since=2999-01-01T00:00:00Z`)).toEqual([]);
      expect((await adminRequest(server.url, '/v1/dead-letters?since=yesterday')).json()).toMatchObject({
        message: expect.stringMatching(/^since: must be an ISO-8601 time/),
      });

      const listed = await adminRequest(
        server.url,
        `/v1/deliveries?state=dead&subscription=${subscription.id}`,
      );
      expect(listed.json()).toMatchObject({
        deliveries: [
          {
            id: letter!.id,
            event_id: letter!.event_id,
            state: 'dead',
            attempts: 3,
            last_error: expect.stringContaining('HTTP 500'),
            next_attempt_at: null,
          },
        ],
        next: null,
      });
      type Stats = { subscriptions: { id: string; pending: number; dead: number; breaker: string | null }[] };
      const stats = (await adminRequest(server.url, '/v1/stats')).json<Stats>();
      expect(stats.subscriptions.find((entry) => entry.id === subscription.id)).toMatchObject({
        pending: 0,
        dead: 1,
        breaker: expect.stringMatching(/^(closed|open|half_open)$/),
      });
      const badCursor = await adminRequest(server.url, '/v1/deliveries?after=abc');
      expect(badCursor.status).toBe(400);
      expect(badCursor.json()).toMatchObject({
        error: 'bad_request',
        message: expect.stringContaining('after'),
      });
      expect((await adminRequest(server.url, '/v1/deliveries?state=done')).status).toBe(400);

      const dryRun = await post('/v1/dead-letters/replay', { subscription: subscription.id, dry_run: true });
      expect(dryRun.json()).toMatchObject({ would_replay: 1, matched: 1, reasons: [] });
      expect((await post('/v1/dead-letters/replay', {})).status).toBe(400);

      failing = false;
      const replay = await post('/v1/dead-letters/replay', { ids: [letter!.id] });
      expect(replay.json()).toEqual({ replayed: 1 });
      await waitFor(() => delivered(flaky.received).length === 1, 'the replay is delivered');
      expect(delivered(flaky.received)[0]?.headers['webhook-id']).toBe(letter!.event_id);
      expect(await list(`subscription=${subscription.id}`)).toEqual([]);
    });
  });
});
