import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadPayload } from '../fixtures/payloads/index.js';
import {
  type EventJson,
  PHONE_NUMBER_ID,
  postSigned,
  readEventPage,
  readEventsFrom,
  type StatusSpec,
  startPipelineServer,
  statusWebhook,
  testWamid,
  waitUntilSettled,
} from '../helpers/pipeline.js';
import { adminRequest, type TestServer } from '../helpers/server.js';

/**
 * GET /v1/events as a business system polls it: `after` = the last `next`, page after page, while
 * the worker is still writing. Every event must be seen exactly once, in the log's order.
 */
const BODIES = 40;
const STATUSES_PER_BODY = 5;
const EXPECTED_EVENTS = BODIES * STATUSES_PER_BODY + 1;

let server: TestServer;

beforeAll(async () => {
  server = await startPipelineServer();
});
afterAll(async () => {
  await server?.cleanup();
});

function bodyNumber(n: number): Buffer {
  const statuses: StatusSpec[] = Array.from({ length: STATUSES_PER_BODY }, (_, i) => ({
    wamid: testWamid('feed', n * STATUSES_PER_BODY + i),
    status: 'sent',
    timestamp: 1767262000 + n,
  }));
  return statusWebhook(statuses);
}

/** Polls with small pages from the start until `want` events were seen; returns them in order. */
async function pollUntil(want: number, limit: number): Promise<EventJson[]> {
  const seen: EventJson[] = [];
  let cursor: string | undefined;
  const deadline = Date.now() + 20_000;
  while (seen.length < want) {
    if (Date.now() > deadline) throw new Error(`saw only ${seen.length} of ${want} events`);
    const page = await readEventPage(server.url, cursor, limit);
    seen.push(...page.events);
    if (page.events.length === 0) {
      expect(page.next).toBe(cursor ?? '0');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    cursor = page.next;
  }
  return seen;
}

describe('the event feed', () => {
  test('walking after=next while events are written sees each one once, in log order', async () => {
    const walking = pollUntil(EXPECTED_EVENTS, 7);
    await Promise.all(Array.from({ length: BODIES }, (_, n) => postSigned(server.url, bodyNumber(n))));
    await postSigned(server.url, loadPayload('status-failed'));
    await waitUntilSettled(server.url, BODIES + 1);
    const walked = await walking;

    const whole = await readEventsFrom(server.url);
    expect(whole.events).toHaveLength(EXPECTED_EVENTS);
    expect(walked.map((event) => event.id)).toEqual(whole.events.map((event) => event.id));
    expect(new Set(walked.map((event) => event.id)).size).toBe(EXPECTED_EVENTS);
  });

  test('pages of any size give the same log', async () => {
    const whole = await readEventsFrom(server.url, undefined, 1000);
    for (const limit of [1, 13, 200]) {
      const paged = await readEventsFrom(server.url, undefined, limit);
      expect(paged.events.map((event) => event.id)).toEqual(whole.events.map((event) => event.id));
      expect(paged.pages).toBe(Math.ceil(whole.events.length / limit) + 1);
    }
  });

  test('at the end of the log `next` stays put, and picks up exactly what comes after', async () => {
    const { next } = await readEventsFrom(server.url);
    const empty = await readEventPage(server.url, next);
    expect(empty).toEqual({ events: [], next });

    const before = (await readEventsFrom(server.url)).events.length;
    await postSigned(
      server.url,
      statusWebhook([{ wamid: testWamid('late', 1), status: 'read', timestamp: 1767263000 }]),
    );
    await waitUntilSettled(server.url, BODIES + 2);
    const after = await readEventsFrom(server.url, next);
    expect(after.events.map((event) => event.data.messageId)).toEqual([testWamid('late', 1)]);
    expect((await readEventsFrom(server.url)).events).toHaveLength(before + 1);
  });

  test('each event has the envelope a push delivery and the stream carry', async () => {
    const { events } = await readEventsFrom(server.url);
    const status = events.find((event) => event.type === 'message.status')!;
    expect(Object.keys(status).sort()).toEqual(
      ['created_at', 'data', 'id', 'ordering_key', 'phone_number_id', 'schema_version', 'type'].sort(),
    );
    expect(status.ordering_key).toBe(`msg:${status.data.messageId}`);
    expect(status.phone_number_id).toBe(PHONE_NUMBER_ID);
  });

  test('types= (as on the stream) narrows the feed like type=', async () => {
    const byTypes = await adminRequest(server.url, '/v1/events?types=whatsapp.error&limit=1000');
    expect(byTypes.status).toBe(200);
    expect(byTypes.json<{ events: EventJson[] }>().events).toEqual([]);
  });

  test('type= narrows the feed to those types', async () => {
    const none = await adminRequest(server.url, '/v1/events?type=message.received,whatsapp.error');
    expect(none.status).toBe(200);
    expect(none.json<{ events: EventJson[] }>().events).toEqual([]);
    const statuses = await adminRequest(server.url, '/v1/events?type=message.status&limit=1000');
    const events = statuses.json<{ events: EventJson[] }>().events;
    expect(events.length).toBe(EXPECTED_EVENTS + 1);
    expect(events.every((event) => event.type === 'message.status')).toBe(true);
  });

  test.each([
    ['a word', 'after=abc'],
    ['a negative number', 'after=-1'],
    ['a fraction', 'after=1.5'],
    ['an empty cursor', 'after='],
    ['limit 0', 'limit=0'],
    ['limit over 1000', 'limit=1001'],
  ])('%s is answered 400 with a message that names the fix', async (_label, query) => {
    const response = await adminRequest(server.url, `/v1/events?${query}`);
    expect(response.status).toBe(400);
    expect(response.json()).toMatchObject({ error: 'bad_request' });
    expect(String(response.json().message)).not.toBe('');
  });
});
