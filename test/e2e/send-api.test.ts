import { afterEach, describe, expect, it } from 'vitest';
import type { RunningFakeGraph } from '../../src/fake-graph/server.js';
import { createStages } from '../../src/stages.js';
import { type Subscriber, startSubscriber } from '../helpers/delivery-fixtures.js';
import { FAKE_TOKEN, PHONE_NUMBER_ID, startFakeGraph } from '../helpers/fake-graph.js';
import { adminRequest, startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

/**
 * POST /v1/messages end to end over HTTP: wahook sends to the fake Graph API, whose signed status
 * webhooks come back to wahook's receiver, get processed, and reach a subscriber as events.
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  wahook: TestServer;
  graph: RunningFakeGraph;
  subscriber: Subscriber;
}

async function setup(
  graphOptions: Parameters<typeof startFakeGraph>[0] = {},
  env: Record<string, string> = {},
): Promise<Setup> {
  // The fake needs wahook's URL for webhooks and wahook needs the fake's: start the fake without a
  // target, then point it at wahook once wahook listens.
  const graph = await startFakeGraph(graphOptions);
  cleanups.push(graph.close);
  // Run last, so first: the fake stops sending status webhooks before wahook stops receiving them.
  const stopWebhooks = async () => graph.fake.webhooks.stop();
  const wahook = await startTestServer({
    stages: createStages,
    env: {
      WAHOOK_GRAPH_API_URL: graph.url,
      WAHOOK_GRAPH_ACCESS_TOKEN: FAKE_TOKEN,
      WAHOOK_DEFAULT_REGION: 'IL',
      WAHOOK_GRAPH_TIMEOUT: '1s',
      ...env,
    },
  });
  cleanups.push(wahook.cleanup);
  graph.fake.webhooks.configure({ url: `${wahook.url}/webhooks/whatsapp`, appSecret: 'test_app_secret_1' });
  const subscriber = await startSubscriber(() => ({ status: 200 }));
  cleanups.push(subscriber.close, stopWebhooks);
  const created = await adminRequest(wahook.url, '/v1/subscriptions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: subscriber.url, events: ['message.status'] }),
  });
  expect(created.status).toBe(201);
  return { wahook, graph, subscriber };
}

function send(wahook: TestServer, body: Record<string, unknown>) {
  return adminRequest(wahook.url, '/v1/messages', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone_number_id: PHONE_NUMBER_ID, ...body }),
  });
}

const hello = { type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } };

interface StatusEvent {
  type: string;
  data: {
    messageId: string;
    status: string;
    currentStatus: string;
    metadata: Record<string, unknown> | null;
    send: { id: string; input: string; to: string } | null;
  };
}

function statusEvents(subscriber: Subscriber): StatusEvent[] {
  return subscriber.received.map((request) => JSON.parse(request.body) as StatusEvent);
}

describe('POST /v1/messages', () => {
  it('normalizes a national number, answers 202, and statuses (reordered, duplicated) reach the subscriber with the metadata', async () => {
    const { wahook, graph, subscriber } = await setup({ chaos: { reorder: true, duplicates: true } });
    const response = await send(wahook, {
      to: '050-437-0045',
      message: hello,
      metadata: { guest_id: 'g-17', event: 'hina' },
    });
    expect(response.status).toBe(202);
    const body = response.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      to: '+972504370045',
      input: '050-437-0045',
      wa_id: '972504370045',
      status: 'accepted',
    });
    expect(String(body.id)).toMatch(/^snd_/);
    expect(String(body.wamid)).toMatch(/^wamid\./);
    expect(graph.fake.sends[0]?.body).toMatchObject({
      to: '+972504370045',
      biz_opaque_callback_data: `wahook:send:${body.id}`,
    });

    await waitFor(() => subscriber.received.length === 3, 'three distinct status events');
    const events = statusEvents(subscriber);
    expect(events.map((event) => event.data.status).sort()).toEqual(['delivered', 'read', 'sent']);
    for (const event of events) {
      expect(event.data.messageId).toBe(body.wamid);
      expect(event.data.metadata).toEqual({ guest_id: 'g-17', event: 'hina' });
      expect(event.data.send).toEqual({ id: body.id, input: '050-437-0045', to: '+972504370045' });
    }
    const message = await adminRequest(wahook.url, `/v1/messages/${encodeURIComponent(String(body.wamid))}`);
    expect(message.json()).toMatchObject({
      status: 'read',
      metadata: { guest_id: 'g-17' },
      send: { input: '050-437-0045', to: '+972504370045' },
    });
    const found = await adminRequest(wahook.url, '/v1/messages?metadata.guest_id=g-17');
    expect(found.json<{ messages: { id: string }[] }>().messages.map((m) => m.id)).toEqual([body.wamid]);
    const none = await adminRequest(wahook.url, '/v1/messages?metadata.guest_id=g-99');
    expect(none.json<{ messages: unknown[] }>().messages).toEqual([]);
  });

  it('refuses an invalid number with 422 and a reason, and sends a BSUID verbatim', async () => {
    const { wahook, graph } = await setup();
    const invalid = await send(wahook, { to: '12', message: hello });
    expect(invalid.status).toBe(422);
    expect(invalid.json()).toMatchObject({ error: 'invalid_recipient' });
    expect(String(invalid.json().message)).toMatch(/not a valid phone number/);
    const noRegion = await send(wahook, { to: '0151 12345678', region: 'XX', message: hello });
    expect(noRegion.status).toBe(422);
    const bsuid = await send(wahook, { recipient: 'US.13491208655302741918', message: hello });
    expect(bsuid.status).toBe(202);
    expect(bsuid.json()).toMatchObject({ to: 'US.13491208655302741918', user_id: 'US.13491208655302741918' });
    expect(graph.fake.sends.map((s) => s.body.recipient)).toEqual(['US.13491208655302741918']);
  });

  it('sends once for concurrent retries with one idempotency key, and all answer the first result', async () => {
    const { wahook, graph } = await setup();
    graph.fake.slowMs = 150;
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        send(wahook, { to: '+972504370045', message: hello, idempotency_key: 'invite-g17' }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202, 202]);
    expect(new Set(answers.map((answer) => answer.json().wamid)).size).toBe(1);
    expect(graph.fake.sends).toHaveLength(1);
    const later = await send(wahook, { to: '+972504370045', message: hello, idempotency_key: 'invite-g17' });
    expect(later.json()).toMatchObject({ wamid: answers[0]!.json().wamid, replayed: true });
    expect(graph.fake.sends).toHaveLength(1);
    const conflict = await send(wahook, {
      to: '+972504370046',
      message: hello,
      idempotency_key: 'invite-g17',
    });
    expect(conflict.status).toBe(409);
    expect(conflict.json().error).toBe('idempotency_conflict');
  });

  it('records a timeout after the request left as unknown, and settles it by the status that names it', async () => {
    const { wahook, graph, subscriber } = await setup();
    // The answer comes after wahook gave up (1 s); the first status only after that.
    graph.fake.slowMs = 1_500;
    graph.fake.webhooks.configure(
      { url: `${wahook.url}/webhooks/whatsapp`, appSecret: 'test_app_secret_1' },
      1_200,
    );
    const response = await send(wahook, {
      to: '+972504370045',
      message: hello,
      metadata: { guest_id: 'g-5' },
    });
    expect(response.status).toBe(202);
    const body = response.json<{ id: string; status: string; wamid: string | null }>();
    expect(body).toMatchObject({ status: 'unknown', wamid: null });
    await waitFor(() => subscriber.received.length >= 1, 'a status event of the settled send');
    const wamid = graph.fake.sends[0]!.wamid;
    const settled = await adminRequest(wahook.url, `/v1/sends/${body.id}`);
    expect(settled.json()).toMatchObject({ status: 'accepted', wamid });
    expect(statusEvents(subscriber)[0]!.data).toMatchObject({
      messageId: wamid,
      metadata: { guest_id: 'g-5' },
    });
  });

  it("explains Meta's errors: 132000 as the caller's mistake, 130429 as 503 with Retry-After, 131026 and 131047 in the status", async () => {
    const { wahook, graph, subscriber } = await setup({ openWindows: false });
    const params = await send(wahook, {
      to: '+972504370045',
      message: { type: 'template', template: { name: 'hina_invitation', language: { code: 'he' } } },
    });
    expect(params.status).toBe(422);
    expect(params.json()).toMatchObject({
      error: 'send_rejected',
      status: 'failed',
      whatsapp_error: { code: 132000 },
      retry: 'no_retry',
    });
    expect(String(params.json().explanation)).toMatch(/^WhatsApp error 132000/);

    graph.fake.script({ to: '+972504370046', code: 130429, mode: 'sync' });
    const throttled = await send(wahook, { to: '+972504370046', message: hello });
    expect(throttled.status).toBe(503);
    expect(throttled.headers['retry-after']).toBe('1');
    expect(throttled.json()).toMatchObject({ error: 'send_throttled', retry: 'wait' });

    graph.fake.script({ to: '+972504370047', code: 131026, mode: 'async' });
    const undeliverable = await send(wahook, { to: '+972504370047', message: hello });
    const text = await send(wahook, { to: '+972504370048', message: { type: 'text', text: { body: 'hi' } } });
    expect(undeliverable.status).toBe(202);
    expect(text.status).toBe(202);
    await waitFor(() => subscriber.received.length === 2, 'two failed statuses');
    const failed = await adminRequest(
      wahook.url,
      `/v1/messages/${encodeURIComponent(String(text.json().wamid))}`,
    );
    const record = failed.json<{ status: string; errors: { code: number; explanation: string }[] }>();
    expect(record.status).toBe('failed');
    expect(record.errors[0]!.code).toBe(131047);
    expect(record.errors[0]!.explanation).toMatch(/^WhatsApp error 131047/);
  });

  it('attaches metadata to a message sent elsewhere: earlier statuses keep their place, later events carry it', async () => {
    const { wahook, subscriber } = await setup();
    const put = await adminRequest(wahook.url, '/v1/messages/wamid.ELSEWHERE/metadata', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ order: 'o-7' }),
    });
    expect(put.status).toBe(200);
    const found = await adminRequest(wahook.url, '/v1/messages?metadata.order=o-7');
    // Nothing is known of the message yet but its metadata: no record to show.
    expect(found.json<{ messages: unknown[] }>().messages).toEqual([]);
    expect(subscriber.received).toEqual([]);
  });

  it('answers send_not_configured without an access token', async () => {
    const wahook = await startTestServer({ stages: createStages });
    cleanups.push(wahook.cleanup);
    const response = await send(wahook, { to: '+972504370045', message: hello });
    expect(response.status).toBe(503);
    expect(response.json().error).toBe('send_not_configured');
  });
});
