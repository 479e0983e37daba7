import { afterEach, describe, expect, it } from 'vitest';
import type { StageContext } from '../../src/server.js';
import { createServeStages } from '../../src/stages.js';
import { type Subscriber, startSubscriber } from '../helpers/delivery-fixtures.js';
import { FAKE_TOKEN, PHONE_NUMBER_ID, startFakeGraph } from '../helpers/fake-graph.js';
import { postSigned, statusWebhook, testWamid } from '../helpers/pipeline.js';
import { adminRequest, startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

/**
 * `wahook serve` with every role in one process: the receiver keeps the main thread, processing and
 * delivery run in the background thread, and what they report on the bus reaches this thread's
 * metrics and /v1/stats.
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(env: Record<string, string> = {}): Promise<{
  server: TestServer;
  subscriber: Subscriber;
  stageNames: string[];
  eventWakeups: () => number;
}> {
  const subscriber = await startSubscriber(() => ({ status: 200 }));
  cleanups.push(subscriber.close);
  const stageNames: string[] = [];
  let eventWakeups = 0;
  const server = await startTestServer({
    env: { WAHOOK_ROLES: 'all', WAHOOK_DELIVERY_ALLOW_PRIVATE: 'true', ...env },
    stages: (context: StageContext) => {
      const stages = createServeStages(context);
      stageNames.push(...stages.map((stage) => stage.name));
      context.wakeups.on('events:appended', () => {
        eventWakeups += 1;
      });
      return stages;
    },
  });
  cleanups.push(server.cleanup);
  const created = await adminRequest(server.url, '/v1/subscriptions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: subscriber.url, events: ['message.status'] }),
  });
  expect(created.status, created.text()).toBe(201);
  return { server, subscriber, stageNames, eventWakeups: () => eventWakeups };
}

describe('all roles in one process', () => {
  it('runs processing and delivery each in a background thread of its own, not beside the receiver', async () => {
    const { stageNames } = await start();
    expect(stageNames).toEqual(expect.arrayContaining(['background:worker', 'background:delivery']));
    expect(stageNames).not.toContain('worker');
  });

  it('delivers what the receiver acknowledged, and the thread’s bus events reach metrics and stats', async () => {
    const { server, subscriber } = await start();
    const now = Math.floor(Date.now() / 1000);
    for (let n = 0; n < 20; n++)
      await postSigned(
        server.url,
        statusWebhook([{ wamid: testWamid('bg', n), status: 'sent', timestamp: now }]),
      );
    await waitFor(() => subscriber.received.length >= 20, '20 deliveries', 20_000);
    const ids = subscriber.received.map((request) => JSON.parse(request.body).data.messageId as string);
    expect(new Set(ids).size).toBe(20);

    await waitFor(
      async () =>
        /wahook_delivery_attempts_total\{[^}]*outcome="success"[^}]*\} 20\b/.test(
          (await adminRequest(server.url, '/metrics')).text(),
        ),
      'the 20 successful attempts counted in /metrics',
    );
    const stats = (await adminRequest(server.url, '/v1/stats')).json<{
      inbox: { pending: number; processed: number };
      deliveries: { pending: number };
    }>();
    expect(stats.inbox).toMatchObject({ pending: 0, processed: 20 });
    expect(stats.deliveries.pending).toBe(0);
  });

  it('passes the thread’s new events to this thread’s wake-ups, for the event streams served here', async () => {
    const { server, eventWakeups } = await start();
    expect(eventWakeups()).toBe(0);
    await postSigned(
      server.url,
      statusWebhook([{ wamid: testWamid('wake', 1), status: 'sent', timestamp: 1 }]),
    );
    await waitFor(() => eventWakeups() > 0, 'events:appended from the background thread');
  });

  it('stops with the thread: the server’s stop resolves and no delivery runs after it', async () => {
    const { server, subscriber } = await start();
    await postSigned(
      server.url,
      statusWebhook([{ wamid: testWamid('stop', 1), status: 'sent', timestamp: 1 }]),
    );
    await waitFor(() => subscriber.received.length === 1, 'the delivery');
    await server.stop();
    const seen = subscriber.received.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(subscriber.received.length).toBe(seen);
  });

  it('the stuck scan runs in the thread, and its gauge and list reach this thread', async () => {
    // Statuses stop at sent: after WAHOOK_STUCK_DELIVERED_AFTER the message is stuck at delivered.
    const graph = await startFakeGraph({ openWindows: true, chaos: { onlySent: true } });
    cleanups.push(graph.close);
    const { server, stageNames } = await start({
      WAHOOK_GRAPH_API_URL: graph.url,
      WAHOOK_GRAPH_ACCESS_TOKEN: FAKE_TOKEN,
      WAHOOK_STUCK_DELIVERED_AFTER: '1s',
      WAHOOK_STUCK_SCAN_INTERVAL: '200ms',
    });
    cleanups.push(async () => graph.fake.webhooks.stop());
    expect(stageNames).not.toContain('stuck');
    graph.fake.webhooks.configure({ url: `${server.url}/webhooks/whatsapp`, appSecret: 'test_app_secret_1' });
    const metrics = async () => (await adminRequest(server.url, '/metrics')).text();
    expect(await metrics()).toMatch(/wahook_messages_stuck\{stage="delivered"\} 0\b/);
    const sent = await adminRequest(server.url, '/v1/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        phone_number_id: PHONE_NUMBER_ID,
        to: '+972504370045',
        message: { type: 'text', text: { body: 'hi' } },
      }),
    });
    expect(sent.status, sent.text()).toBe(202);
    const wamid = sent.json<{ wamid: string }>().wamid;
    await waitFor(
      async () => /wahook_messages_stuck\{stage="delivered"\} 1\b/.test(await metrics()),
      'the stuck gauge in /metrics of the main thread',
      20_000,
    );
    const listed = (await adminRequest(server.url, '/v1/messages?stuck=true')).json<{
      messages: { id: string; stuck: { stage: string } }[];
    }>();
    expect(listed.messages.map((m) => [m.id, m.stuck.stage])).toEqual([[wamid, 'delivered']]);
  });
});
