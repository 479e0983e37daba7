import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStages } from '../../src/stages.js';
import { loadPayload, payloadNames } from '../fixtures/payloads/index.js';
import { type Subscriber, startSubscriber } from '../helpers/delivery-fixtures.js';
import { createBatchValidator, createEventValidator } from '../helpers/event-schema.js';
import {
  cloudWebhook,
  type EventJson,
  PHONE_NUMBER_ID,
  postSigned,
  readEventsFrom,
  testWamid,
  waitUntilSettled,
} from '../helpers/pipeline.js';
import { adminRequest, startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

/**
 * docs/event-schema.json against what a business system really receives: every payload fixture
 * (and a second, different body under a seen wamid) is posted signed to a real server running
 * receiver, worker and delivery, and each body the subscriber gets, and each event of
 * GET /v1/events, is validated by Ajv against the committed schema.
 */
let server: TestServer;
let subscriber: Subscriber;
let batched: Subscriber;
let subscriptionId: string;
let delivered: Record<string, unknown>[];
let batches: unknown[];
let listed: EventJson[];
const validate = createEventValidator();
const validateBatch = createBatchValidator();

async function subscribe(
  url: string,
  batch: { max_events: number; max_wait: string } | null,
): Promise<string> {
  const created = await adminRequest(server.url, '/v1/subscriptions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url, events: ['*'], batch }),
  });
  expect(created.status, created.text()).toBe(201);
  return created.json<{ id: string }>().id;
}

const distinctIds = (ids: readonly unknown[]) => new Set(ids).size;

beforeAll(async () => {
  server = await startTestServer({
    env: { WAHOOK_ROLES: 'all', WAHOOK_DELIVERY_RETRY_DELAYS: '5ms,5ms,5ms' },
    stages: createStages,
  });
  subscriber = await startSubscriber(() => ({ status: 200 }));
  batched = await startSubscriber(() => ({ status: 200 }));
  subscriptionId = await subscribe(subscriber.url, null);
  await subscribe(batched.url, { max_events: 50, max_wait: '0s' });

  const bodies = [...payloadNames().map(loadPayload), ...conflictingBodies()];
  for (const body of bodies) await postSigned(server.url, body);
  await waitUntilSettled(server.url, bodies.length);
  listed = (await readEventsFrom(server.url)).events;
  const batchedIds = () =>
    batched.received.flatMap((request) =>
      (JSON.parse(request.body) as { id: string }[]).map((event) => event.id),
    );
  await waitFor(
    () =>
      distinctIds(subscriber.received.map((request) => request.headers['webhook-id'])) === listed.length &&
      distinctIds(batchedIds()) === listed.length,
    `both subscribers to receive all ${listed.length} events`,
    30_000,
  );
  delivered = subscriber.received.map((request) => JSON.parse(request.body) as Record<string, unknown>);
  batches = batched.received.map((request) => JSON.parse(request.body) as unknown);
}, 120_000);

afterAll(async () => {
  await server?.cleanup();
  await subscriber?.close();
  await batched?.close();
});

/** The same wamid twice, saying different things: the second body becomes a message.conflict. */
function conflictingBodies(): Buffer[] {
  const wamid = testWamid('schema-conflict', 1);
  const body = (text: string) =>
    cloudWebhook('messages', {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID },
      contacts: [{ profile: { name: 'Ada' }, wa_id: '4915112345678' }],
      messages: [
        { from: '4915112345678', id: wamid, timestamp: '1767262000', type: 'text', text: { body: text } },
      ],
    });
  return [body('first'), body('second')];
}

function misfits(events: readonly unknown[]) {
  return events
    .map((event) => ({ type: (event as { type: string }).type, problems: validate(event) }))
    .filter((result) => result.problems.length > 0);
}

describe('the event JSON Schema', () => {
  it('fits every event body a subscriber receives', () => {
    expect(delivered.length).toBeGreaterThanOrEqual(listed.length);
    expect(delivered.every((event) => typeof event.sequence === 'number')).toBe(true);
    expect(misfits(delivered)).toEqual([]);
  });

  it('fits every body a batched subscription receives, as EventBatch', () => {
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.some((body) => Array.isArray(body) && body.length > 1)).toBe(true);
    expect(batches.flatMap(validateBatch)).toEqual([]);
    expect(
      validateBatch([...(batches[0] as unknown[]), { ...delivered[0], data: null }]).join('\n'),
    ).toContain('/data must be object');
  });

  it('fits every event GET /v1/events lists', () => {
    expect(misfits(listed)).toEqual([]);
  });

  it('is checked against every kind of event the fixtures make', () => {
    const types = new Set(delivered.map((event) => String(event.type)));
    for (const type of [
      'message.received',
      'message.status',
      'message.echo',
      'message.conflict',
      'whatsapp.error',
      'template.status',
      'template.quality',
      'template.components',
      'template.category',
      'phone_number.quality',
      'phone_number.name',
      'phone_number.security',
      'business.username',
      'account.update',
      'account.alert',
      'account.review',
      'account.capability',
      'flow.update',
      'user.preference',
      'user.id_changed',
      'call.connect',
      'call.terminate',
      'call.status',
      'history.chunk',
    ]) {
      expect(types, `no ${type} event came from the fixtures`).toContain(type);
    }
    expect([...types].some((type) => type.startsWith('group.'))).toBe(true);
  });

  it('fits the signed test event a subscription test posts', async () => {
    const before = subscriber.received.length;
    const answer = await adminRequest(server.url, `/v1/subscriptions/${subscriptionId}/test`, {
      method: 'POST',
    });
    expect(answer.status, answer.text()).toBe(200);
    const body = JSON.parse(subscriber.received[before]!.body) as { type: string };
    expect(body.type).toBe('wahook.test');
    expect(validate(body)).toEqual([]);
  });

  it('refuses a real event with a field missing, retyped or added, and accepts anything in its raw parts', () => {
    const received = delivered.find((event) => event.type === 'message.received') as {
      data: Record<string, unknown> & { content: Record<string, unknown>; from: Record<string, unknown> };
    };
    expect(validate(received)).toEqual([]);
    const { data } = received;
    const { flags: _flags, ...withoutFlags } = data;
    const problems = (changed: Record<string, unknown>) =>
      validate({ ...received, data: changed }).join('\n');

    expect(problems(withoutFlags)).toContain("must have required property 'flags'");
    expect(problems({ ...data, from: { ...data.from, waId: 4915112345678 } })).toContain(
      '/data/from/waId must be string,null',
    );
    expect(problems({ ...data, content: { ...data.content, kind: 'texts' } })).toContain('/data/content');
    expect(problems({ ...data, content: { ...data.content, colour: 'red' } })).toContain('/data/content');
    expect(problems({ ...data, timestamp: undefined })).toContain("must have required property 'timestamp'");
    expect(validate({ ...received, id: 7 }).join('\n')).toContain('/id must be string');
    expect(validate({ ...received, type: 'message.recieved' }).join('\n')).toContain(
      'must match a schema in anyOf',
    );
    // What this version did not read is kept as sent: any keys, any values.
    expect(problems({ ...data, unparsed: { 'context.mentions': [{ any: 'thing' }], n: 1 } })).toBe('');
  });
});
