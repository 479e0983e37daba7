import { request } from 'node:http';
import Fastify from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { eventStreamRoutes } from '../../src/admin/event-stream-routes.js';
import { registerOpenApi } from '../../src/admin/openapi.js';
import { createStages } from '../../src/stages.js';
import type { Store } from '../../src/store/ports.js';
import { describeEachStore, makeEvent } from '../helpers/delivery-fixtures.js';
import { startTestServerOn, type TestServer } from '../helpers/server.js';
import { TEST_ADMIN_TOKEN } from '../helpers/signing.js';
import { waitFor } from '../helpers/wait.js';

/**
 * GET /v1/events/stream as an SSE client uses it: read, drop, resume from Last-Event-ID; on SQLite
 * and on PostgreSQL, whose event log the cursor reads.
 */
interface StreamedEvent {
  id: string;
  event: string;
  data: { id: string; type: string };
}

interface StreamClient {
  status: () => number;
  events: StreamedEvent[];
  text: () => string;
  ended: Promise<void>;
  close(): void;
}

function openStream(url: string, headers: Record<string, string> = {}): StreamClient {
  const events: StreamedEvent[] = [];
  let text = '';
  let buffer = '';
  let status = 0;
  let finish!: () => void;
  const ended = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const req = request(url, {
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, ...headers },
    agent: false,
  });
  req.on('response', (res) => {
    status = res.statusCode ?? 0;
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      text += chunk;
      buffer += chunk;
      let cut = buffer.indexOf('\n\n');
      while (cut >= 0) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const fields = Object.fromEntries(
          frame
            .split('\n')
            .filter((line) => !line.startsWith(':') && line.includes(': '))
            .map((line) => [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)]),
        );
        if (fields.data) {
          events.push({ id: fields.id ?? '', event: fields.event ?? '', data: JSON.parse(fields.data) });
        }
        cut = buffer.indexOf('\n\n');
      }
    });
    res.on('close', finish);
  });
  req.on('error', finish);
  req.end();
  return { status: () => status, events, text: () => text, ended, close: () => req.destroy() };
}

async function commit(store: Store, count: number, prefix: string): Promise<string[]> {
  const events = Array.from({ length: count }, (_, i) => makeEvent(`wamid.${prefix}${i}`));
  await store.withProcessingTx(async (tx) => {
    const inserted = await tx.insertEvents(events);
    await tx.enqueueDeliveries(inserted, Date.now());
  });
  return events.map((event) => event.id);
}

describeEachStore('event stream', (stores) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function server(): Promise<TestServer> {
    const started = await startTestServerOn(stores, {
      env: { WAHOOK_ROLES: 'delivery' },
      stages: createStages,
    });
    cleanups.push(started.cleanup);
    return started;
  }

  it('resumes from Last-Event-ID with nothing missing and nothing repeated', async () => {
    const running = await server();
    const store = running.server.store;
    const first = await commit(store, 10, 'S');
    const stream = openStream(`${running.url}/v1/events/stream`);
    cleanups.push(async () => stream.close());
    await waitFor(() => stream.events.length === 10, 'the first ten events');
    expect(stream.events.map((event) => event.data.id)).toEqual(first);

    // Live: an event committed while connected arrives on the open stream.
    const live = await commit(store, 1, 'L');
    await waitFor(() => stream.events.length === 11, 'the live event');
    expect(stream.events[10]?.data.id).toBe(live[0]);
    const lastSeen = stream.events.at(-1)!.id;
    stream.close();
    await stream.ended;

    const missed = await commit(store, 7, 'M');
    const resumed = openStream(`${running.url}/v1/events/stream`, { 'last-event-id': lastSeen });
    cleanups.push(async () => resumed.close());
    await waitFor(() => resumed.events.length === 7, 'the events committed while away');
    expect(resumed.events.map((event) => event.data.id)).toEqual(missed);
    expect(resumed.events.map((event) => Number(event.id))).toEqual(
      missed.map((_, i) => Number(lastSeen) + 1 + i),
    );

    const fromQuery = openStream(`${running.url}/v1/events/stream?after=5`);
    cleanups.push(async () => fromQuery.close());
    await waitFor(() => fromQuery.events.length === 13, 'events after cursor 5');
    expect(fromQuery.events[0]?.data.id).toBe(first[5]);
  });

  it('refuses a cursor that is not one, and asks for the admin token', async () => {
    const running = await server();
    const bad = openStream(`${running.url}/v1/events/stream`, { 'last-event-id': 'yesterday' });
    await bad.ended;
    expect(bad.status()).toBe(400);
    expect(bad.text()).toContain('must be an event cursor');
    const anonymous = openStream(`${running.url}/v1/events/stream`, { authorization: 'Bearer nope' });
    await anonymous.ended;
    expect(anonymous.status()).toBe(401);
  });

  it('ends open streams when the server stops, so the stop does not hang', async () => {
    const running = await server();
    const stream = openStream(`${running.url}/v1/events/stream`);
    await waitFor(() => stream.text().includes('retry: '), 'the stream is open');
    await running.stop();
    await stream.ended;
  });

  it('sends heartbeat comments while there is nothing to send', async () => {
    const { store, close } = await stores.open();
    cleanups.push(close);
    const app = Fastify();
    // The route's schema is zod, as in the app.
    await registerOpenApi(app);
    await app.register(eventStreamRoutes({ store, heartbeatMs: 20, pollMs: 5 }));
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => app.close());
    const stream = openStream(`${url}/v1/events/stream`);
    await waitFor(() => (stream.text().match(/: heartbeat\n\n/g) ?? []).length >= 2, 'two heartbeats');
    expect(stream.events).toEqual([]);
  });
});
