import { afterEach, expect, it } from 'vitest';
import { Bus } from '../../src/observe/bus.js';
import { createStuckScanner } from '../../src/send/stuck.js';
import { createStages } from '../../src/stages.js';
import { describeEachStore, type EachStore } from '../helpers/delivery-fixtures.js';
import { FAKE_TOKEN, PHONE_NUMBER_ID, startFakeGraph } from '../helpers/fake-graph.js';
import { adminRequest, startTestServerOn, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

/**
 * GET /v1/messages?stuck=true over HTTP: two sends through the fake Graph API whose statuses stop
 * short (none at all; only `sent`), one that completes, judged by the stuck scan on the server's
 * store with a clock moved past the limits.
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const HOUR = 3_600_000;
const text = { type: 'text', text: { body: 'Your table is ready' } };

interface Listed {
  messages: { id: string; status: string; stuck: { stage: string; since: string }; metadata: unknown }[];
  next: string | null;
}

function send(wahook: TestServer, to: string, guest: string) {
  return adminRequest(wahook.url, '/v1/messages', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone_number_id: PHONE_NUMBER_ID, to, message: text, metadata: { guest } }),
  });
}

async function statusOf(wahook: TestServer, wamid: string): Promise<string | undefined> {
  const answer = await adminRequest(wahook.url, `/v1/messages/${encodeURIComponent(wamid)}`);
  return answer.status === 200 ? answer.json<{ status: string }>().status : undefined;
}

/** A server on this test's store, and the fake Graph API it sends through. */
async function startServers(stores: EachStore) {
  const graph = await startFakeGraph({ openWindows: true });
  cleanups.push(graph.close);
  const wahook = await startTestServerOn(stores, {
    stages: createStages,
    env: { WAHOOK_GRAPH_API_URL: graph.url, WAHOOK_GRAPH_ACCESS_TOKEN: FAKE_TOKEN },
  });
  cleanups.push(wahook.cleanup, async () => graph.fake.webhooks.stop());
  return { graph, wahook };
}

/** Runs the stuck scan on the server's store with its clock past both limits. */
async function scan(wahook: TestServer): Promise<void> {
  const scanner = createStuckScanner({
    store: wahook.server.store,
    clock: { now: () => Date.now() + 2 * HOUR - 60_000 },
    bus: new Bus(),
    options: { sentAfterMs: 5 * 60_000, deliveredAfterMs: HOUR },
  });
  await scanner.runOnce();
}

async function setup(stores: EachStore) {
  const { graph, wahook } = await startServers(stores);
  // No webhook target yet: the first send is accepted and never hears a status.
  const silent = (await send(wahook, '+972504370045', 'g-silent')).json<{ wamid: string }>().wamid;
  graph.fake.webhooks.configure({ url: `${wahook.url}/webhooks/whatsapp`, appSecret: 'test_app_secret_1' });
  graph.fake.chaos = { ...graph.fake.chaos, onlySent: true };
  const offline = (await send(wahook, '+972504370046', 'g-offline')).json<{ wamid: string }>().wamid;
  await waitFor(async () => (await statusOf(wahook, offline)) === 'sent', 'the sent status');
  graph.fake.chaos = { ...graph.fake.chaos, onlySent: false };
  const done = (await send(wahook, '+972504370047', 'g-done')).json<{ wamid: string }>().wamid;
  await waitFor(async () => (await statusOf(wahook, done)) === 'read', 'the read status');
  await scan(wahook);
  return { wahook, silent, offline, done };
}

describeEachStore('GET /v1/messages?stuck=true', (stores) => {
  it('lists the messages judged stuck, newest judgement first, with the stage, paged by cursor', async () => {
    const { wahook, silent, offline } = await setup(stores);
    const all = (await adminRequest(wahook.url, '/v1/messages?stuck=true')).json<Listed>();
    expect(all.messages.map((m) => [m.id, m.stuck.stage, m.status])).toEqual([
      [offline, 'delivered', 'sent'],
      [silent, 'sent', 'accepted'],
    ]);
    expect(all.messages[1]?.metadata).toEqual({ guest: 'g-silent' });
    expect(Date.parse(all.messages[0]?.stuck.since ?? '')).toBeGreaterThan(Date.now());
    expect(all.next).toBeNull();

    const first = (await adminRequest(wahook.url, '/v1/messages?stuck=true&limit=1')).json<Listed>();
    expect(first.messages.map((m) => m.id)).toEqual([offline]);
    const second = (
      await adminRequest(wahook.url, `/v1/messages?stuck=true&limit=1&before=${first.next}`)
    ).json<Listed>();
    expect(second.messages.map((m) => m.id)).toEqual([silent]);

    const elsewhere = (
      await adminRequest(wahook.url, '/v1/messages?stuck=true&phone_number_id=198765432109876')
    ).json<Listed>();
    expect(elsewhere.messages).toEqual([]);
  });

  it('refuses filters that do not apply to it and a cursor of another list', async () => {
    const { wahook } = await setup(stores);
    const withStatus = await adminRequest(wahook.url, '/v1/messages?stuck=true&status=sent');
    expect(withStatus.status).toBe(400);
    expect(withStatus.json<{ message: string }>().message).toMatch(/status and since do not apply/);
    const list = (await adminRequest(wahook.url, '/v1/messages?limit=1')).json<{ next: string }>();
    const foreign = await adminRequest(wahook.url, `/v1/messages?stuck=true&before=${list.next}`);
    expect(foreign.status).toBe(400);
    expect((await adminRequest(wahook.url, '/v1/messages?stuck=yes')).status).toBe(400);
  });

  it('shows each stuck message on its page as GET /v1/messages/{wamid} shows it', async () => {
    const { graph, wahook } = await startServers(stores);
    const silent: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      silent.push((await send(wahook, `+97250437010${i}`, `g-silent-${i}`)).json<{ wamid: string }>().wamid);
    }
    graph.fake.webhooks.configure({ url: `${wahook.url}/webhooks/whatsapp`, appSecret: 'test_app_secret_1' });
    graph.fake.chaos = { ...graph.fake.chaos, onlySent: true };
    const offline: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const wamid = (await send(wahook, `+97250437020${i}`, `g-offline-${i}`)).json<{ wamid: string }>()
        .wamid;
      await waitFor(async () => (await statusOf(wahook, wamid)) === 'sent', 'the sent status');
      offline.push(wamid);
    }
    await scan(wahook);

    const pages: Listed['messages'][] = [];
    let before: string | null = '';
    while (before !== null) {
      const cursor: string = before ? `&before=${before}` : '';
      const page: Listed = (
        await adminRequest(wahook.url, `/v1/messages?stuck=true&limit=3${cursor}`)
      ).json<Listed>();
      pages.push(page.messages);
      before = page.next;
    }
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    const listed = pages.flat();
    expect(new Set(listed.map((m) => m.id))).toEqual(new Set([...silent, ...offline]));
    for (const entry of listed) {
      const { stuck, ...message } = entry;
      const single = await adminRequest(wahook.url, `/v1/messages/${encodeURIComponent(entry.id)}`);
      expect(message).toEqual(single.json());
      expect(stuck.stage).toBe(offline.includes(entry.id) ? 'delivered' : 'sent');
      expect(message.status).toBe(offline.includes(entry.id) ? 'sent' : 'accepted');
    }
    const guests = listed.map((m) => (m.metadata as { guest: string }).guest).sort();
    expect(guests).toEqual(
      [0, 1, 2].map((i) => `g-offline-${i}`).concat([0, 1, 2, 3].map((i) => `g-silent-${i}`)),
    );
  });
});
