import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStages } from '../../src/stages.js';
import { adminRequest, httpRequest, startTestServer, type TestServer } from '../helpers/server.js';
import { TEST_ADMIN_TOKEN } from '../helpers/signing.js';

/**
 * The dashboard's "send a test event" waits as long as a delivery would (WAHOOK_DELIVERY_TIMEOUT),
 * like the API's test route, not a timeout of its own: against a subscriber that never answers,
 * the page reports the configured limit.
 */
let server: TestServer;
let silent: Server;
let received = 0;

beforeAll(async () => {
  silent = createServer(() => {
    received += 1; // never answers
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  server = await startTestServer({
    stages: createStages,
    env: { WAHOOK_DELIVERY_TIMEOUT: '300ms', WAHOOK_DELIVERY_ALLOW_PRIVATE: 'true' },
  });
});
afterAll(async () => {
  await server?.cleanup();
  silent?.closeAllConnections();
  await new Promise((resolve) => silent?.close(resolve));
});

describe('dashboard test event', () => {
  it('gives up after WAHOOK_DELIVERY_TIMEOUT and says so on the page', async () => {
    const { port } = silent.address() as AddressInfo;
    const created = await adminRequest(server.url, '/v1/subscriptions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: `http://127.0.0.1:${port}/hook`, events: ['*'] }),
    });
    expect(created.status).toBe(201);
    const { id } = created.json() as { id: string };

    const page = await httpRequest(`${server.url}/dashboard/subscriptions/${id}/test`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: '',
    });
    expect(page.status).toBe(200);
    expect(received).toBe(1);
    expect(page.text()).toContain('✗ not accepted');
    expect(page.text()).toContain('no answer within 300 ms (WAHOOK_DELIVERY_TIMEOUT)');
  });
});
