import { afterEach, describe, expect, test } from 'vitest';
import { loadPayload } from '../fixtures/payloads/index.js';
import {
  countByType,
  postSigned,
  readEventsFrom,
  readMessage,
  type StatusSpec,
  startPipelineServer,
  statusWebhook,
  testWamid,
  waitUntilSettled,
} from '../helpers/pipeline.js';
import type { TestServer } from '../helpers/server.js';

/** Status merge and dedupe as a business system sees them: over HTTP, through the admin API. */
const servers: TestServer[] = [];

async function start(dataDir?: string): Promise<TestServer> {
  const server = await startPipelineServer(dataDir === undefined ? {} : { dataDir });
  servers.push(server);
  return server;
}

afterEach(async () => {
  // Newest first: a restarted server borrows the data folder its predecessor made and removes.
  for (const server of servers.splice(0).reverse()) await server.cleanup();
});

const SENT_AT = 1767262000;
const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();

describe('status merge over HTTP', () => {
  test('read, then delivered, then sent in separate POSTs give a read record with the whole history', async () => {
    const server = await start();
    const wamid = testWamid('reversed', 1);
    const updates: StatusSpec[] = [
      { wamid, status: 'read', timestamp: SENT_AT + 20 },
      { wamid, status: 'delivered', timestamp: SENT_AT + 10 },
      { wamid, status: 'sent', timestamp: SENT_AT },
    ];
    for (const [index, update] of updates.entries()) {
      await postSigned(server.url, statusWebhook([update]));
      // Each update is processed before the next arrives, so the worker really sees them reversed.
      await waitUntilSettled(server.url, index + 1);
    }

    const message = await readMessage(server.url, wamid);
    expect(message).toMatchObject({
      id: wamid,
      direction: 'outbound',
      status: 'read',
      timestamps: { sent: iso(SENT_AT), delivered: iso(SENT_AT + 10), read: iso(SENT_AT + 20), failed: null },
    });
    expect(message.history.map((entry) => [entry.status, entry.timestamp])).toEqual([
      ['sent', iso(SENT_AT)],
      ['delivered', iso(SENT_AT + 10)],
      ['read', iso(SENT_AT + 20)],
    ]);

    const { events } = await readEventsFrom(server.url);
    expect(events.map((event) => [event.data.status, event.data.currentStatus])).toEqual([
      ['read', 'read'],
      ['delivered', 'read'],
      ['sent', 'read'],
    ]);
    expect(events.map((event) => event.data.timestamp)).toEqual([
      iso(SENT_AT + 20),
      iso(SENT_AT + 10),
      iso(SENT_AT),
    ]);
  });

  test('updates POSTed at once, in any order, merge into the same record', async () => {
    const server = await start();
    const wamid = testWamid('concurrent', 1);
    const updates: StatusSpec[] = [
      { wamid, status: 'delivered', timestamp: SENT_AT + 5 },
      { wamid, status: 'sent', timestamp: SENT_AT },
      { wamid, status: 'read', timestamp: SENT_AT + 9 },
      { wamid, status: 'delivered', timestamp: SENT_AT + 5 },
    ];
    await Promise.all(updates.map((update) => postSigned(server.url, statusWebhook([update]))));
    await waitUntilSettled(server.url, updates.length);

    const message = await readMessage(server.url, wamid);
    expect(message.status).toBe('read');
    expect(message.history.map((entry) => entry.status)).toEqual(['sent', 'delivered', 'read']);
    const { events } = await readEventsFrom(server.url);
    expect(countByType(events)).toEqual({ 'message.status': 3 });
  });
});

describe('duplicates', () => {
  test('the same status POST sent twice yields one event', async () => {
    const server = await start();
    const body = statusWebhook([{ wamid: testWamid('twice', 1), status: 'delivered', timestamp: SENT_AT }]);
    await postSigned(server.url, body);
    await postSigned(server.url, body);
    const counts = await waitUntilSettled(server.url, 2);

    expect(counts).toMatchObject({ processed: 2, quarantined: 0 });
    const { events } = await readEventsFrom(server.url);
    expect(countByType(events)).toEqual({ 'message.status': 1 });
    expect((await readMessage(server.url, testWamid('twice', 1))).history).toHaveLength(1);
  });

  test('the same inbound message POSTed twice yields one message.received', async () => {
    const server = await start();
    const body = loadPayload('text-username-only');
    await postSigned(server.url, body);
    await postSigned(server.url, body);
    await waitUntilSettled(server.url, 2);

    const { events } = await readEventsFrom(server.url);
    expect(countByType(events)).toEqual({ 'message.received': 1 });
  });

  test('a duplicate sent after a restart on the same data stays single', async () => {
    const first = await start();
    const wamid = testWamid('restart', 1);
    const body = statusWebhook([
      { wamid, status: 'sent', timestamp: SENT_AT },
      { wamid, status: 'delivered', timestamp: SENT_AT + 3 },
    ]);
    await postSigned(first.url, body);
    await waitUntilSettled(first.url, 1);
    const before = await readEventsFrom(first.url);
    await first.stop();

    const second = await start(first.dataDir);
    await postSigned(second.url, body);
    await waitUntilSettled(second.url, 2);

    const after = await readEventsFrom(second.url);
    expect(countByType(after.events)).toEqual({ 'message.status': 2 });
    expect(after.events.map((event) => event.id)).toEqual(before.events.map((event) => event.id));
    const message = await readMessage(second.url, wamid);
    expect(message.status).toBe('delivered');
    expect(message.history).toHaveLength(2);
  });
});
