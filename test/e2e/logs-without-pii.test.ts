import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStages } from '../../src/stages.js';
import { type Subscriber, startSubscriber } from '../helpers/delivery-fixtures.js';
import { cloudWebhook, PHONE_NUMBER_ID, postSigned, statusWebhook, testWamid } from '../helpers/pipeline.js';
import { adminRequest, httpRequest, startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Logs carry ids, counts and reasons, never the people behind them: every path that logs (a
 * received message, a failed status, a refused request, a quarantined body, a failing subscriber,
 * an erasure) runs once with a customer's phone number, name and text in it, and no log line at
 * any level, debug included, holds any of them.
 */
const PHONE = '4915198765432';
const NAME = 'Zelda Quillfeather';
const TEXT = 'my door code is 80417, leave it there';
const BSUID = 'DE.7730012345678901234';

let server: TestServer;
let subscriber: Subscriber;
let attempts = 0;
const lines: string[] = [];

beforeAll(async () => {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(line);
      done();
    },
  });
  server = await startTestServer({
    env: { WAHOOK_ROLES: 'all', WAHOOK_DELIVERY_RETRY_DELAYS: '5ms,5ms,5ms' },
    stages: createStages,
    logger: pino({ level: 'trace' }, stream),
  });
  // The first attempt of every event fails, so each one is logged as a retry at info.
  const seen = new Set<string>();
  subscriber = await startSubscriber((request) => {
    attempts++;
    const id = request.headers['webhook-id'] as string;
    if (seen.has(id)) return { status: 200 };
    seen.add(id);
    return { status: 500, body: `cannot store ${PHONE}: ${TEXT}` };
  });
});
afterAll(async () => {
  await server?.cleanup();
  await subscriber?.close();
});

it('logs no phone number, BSUID, name or message text at any level', async () => {
  const created = await adminRequest(server.url, '/v1/subscriptions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: subscriber.url, events: ['*'] }),
  });
  expect(created.status, created.text()).toBe(201);

  const wamid = testWamid('pii', 1);
  await postSigned(
    server.url,
    cloudWebhook('messages', {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID },
      contacts: [{ profile: { name: NAME }, wa_id: PHONE, user_id: BSUID }],
      messages: [
        {
          from: PHONE,
          from_user_id: BSUID,
          id: wamid,
          timestamp: '1767262000',
          type: 'text',
          text: { body: TEXT },
        },
      ],
    }),
  );
  await postSigned(
    server.url,
    statusWebhook([
      { wamid: testWamid('pii', 2), status: 'failed', timestamp: 1767262001, recipient: PHONE },
    ]),
  );
  // Refused: a bad signature over a body with the number in it.
  const refused = await httpRequest(`${server.url}/webhooks/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
    body: JSON.stringify({ from: PHONE, text: TEXT }),
  });
  expect(refused.status).toBe(401);
  // Quarantined: signed, but not JSON, with the number and the text in the broken part.
  await postSigned(server.url, `{"from":"${PHONE}", "text": "${TEXT}" oops`);

  await waitFor(async () => {
    const stats = (await adminRequest(server.url, '/v1/stats')).json<{ inbox: { pending: number } }>();
    return stats.inbox.pending === 0 && attempts >= 4;
  }, 'processing and the retried deliveries');
  const erased = await adminRequest(server.url, '/v1/erasure', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ wa_id: PHONE }),
  });
  expect(erased.status, erased.text()).toBe(200);

  const all = lines.join('\n');
  // The paths ran and logged: the retry, the quarantine and the erasure are there by id.
  expect(all).toContain('delivery.retry_scheduled');
  expect(all).toContain('inbox.quarantined');
  expect(all).toContain('erasure.done');
  for (const secret of [PHONE, PHONE.slice(2), BSUID, NAME, TEXT, 'door code']) {
    const leaking = lines.filter((line) => line.includes(secret));
    expect(leaking, `log lines holding ${JSON.stringify(secret)}`).toEqual([]);
  }
});
