import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStages } from '../../src/stages.js';
import { type Subscriber, startSubscriber } from '../helpers/delivery-fixtures.js';
import { postSigned, readEventsFrom, statusWebhook, testWamid } from '../helpers/pipeline.js';
import { adminRequest, runWahook, startTestServer, TEST_ENV, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

/**
 * `wahook doctor` (the built CLI, a child process) against a server with a live subscription: the
 * doctor's test messages are stored and listed, and none of their events reaches the subscriber.
 * A real webhook sent after the doctor run is the fence: once it is delivered, every doctor row
 * before it has been processed, so a delivery of theirs would have been queued by then.
 */
let server: TestServer;
let sink: Subscriber;

beforeAll(async () => {
  server = await startTestServer({
    env: { WAHOOK_ROLES: 'all', WAHOOK_DELIVERY_RETRY_DELAYS: '5ms' },
    stages: createStages,
  });
  sink = await startSubscriber(() => ({ status: 200 }));
  const created = await adminRequest(server.url, '/v1/subscriptions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: sink.url, events: ['*'] }),
  });
  expect(created.status).toBe(201);
});
afterAll(async () => {
  await server?.cleanup();
  await sink?.close();
});

describe('doctor does no harm', () => {
  it('stores the doctor test messages but delivers none of their events', async () => {
    const run = await runWahook(['doctor', `${server.url}/webhooks/whatsapp`, '--samples', '2', '--json'], {
      env: {
        WAHOOK_APP_SECRETS: TEST_ENV.WAHOOK_APP_SECRETS,
        WAHOOK_VERIFY_TOKEN: TEST_ENV.WAHOOK_VERIFY_TOKEN,
        WAHOOK_LOG_LEVEL: 'silent',
      },
      timeoutMs: 60_000,
    });
    const report = JSON.parse(run.stdout) as { checks: { id: string; status: string }[] };
    const status = new Map(report.checks.map((check) => [check.id, check.status]));
    // Plain http on loopback fails the HTTPS check; the signed POSTs and the 3 MB batch went in.
    expect(status.get('signed-post')).toBe('pass');
    expect(status.get('body-limit')).toBe('pass');

    const fence = testWamid('doctor-fence', 1);
    await postSigned(server.url, statusWebhook([{ wamid: fence, status: 'sent', timestamp: 1767266000 }]));
    await waitFor(() => sink.received.some((request) => request.body.includes(fence)), 'the fence arrives');

    const { events } = await readEventsFrom(server.url);
    const doctorEvents = events.filter((event) => JSON.stringify(event.data).includes('wamid.DOCTOR-'));
    expect(doctorEvents.length).toBeGreaterThan(100);
    expect(sink.received).toHaveLength(1);
    expect(sink.received.some((request) => request.body.includes('wamid.DOCTOR-'))).toBe(false);
    const pending = await adminRequest(server.url, '/v1/deliveries?state=pending');
    expect(pending.json<{ deliveries: unknown[] }>().deliveries).toEqual([]);
  });
});
