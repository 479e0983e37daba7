import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStages } from '../../src/stages.js';
import { adminRequest, httpRequest, startTestServer, type TestServer } from '../helpers/server.js';
import { TEST_ADMIN_TOKEN } from '../helpers/signing.js';

/** The dashboard's add form sets a batch policy through the same input schema as the API. */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ stages: createStages, env: { WAHOOK_DELIVERY_ALLOW_PRIVATE: 'true' } });
});
afterAll(async () => {
  await server?.cleanup();
});

function addForm(fields: Record<string, string>) {
  return httpRequest(`${server.url}/dashboard/subscriptions`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(fields).toString(),
  });
}

describe('dashboard subscription form', () => {
  it('adds a batched subscription, shows its batch, and refuses a bad limit by name', async () => {
    const added = await addForm({
      url: 'http://127.0.0.1:9/batched',
      events: '*',
      batch_max_events: '25',
      batch_max_wait: '2s',
    });
    expect(added.status).toBe(200);
    expect(added.text()).toContain('batches of 25, 2s');
    const listed = (await adminRequest(server.url, '/v1/subscriptions')).json<{
      subscriptions: { url: string; batch: unknown }[];
    }>();
    expect(listed.subscriptions.find((s) => s.url.endsWith('/batched'))?.batch).toEqual({
      max_events: 25,
      max_wait: '2s',
    });

    const plain = await addForm({ url: 'http://127.0.0.1:9/plain', events: '*', batch_max_events: '' });
    expect(plain.status).toBe(200);
    const refused = await addForm({ url: 'http://127.0.0.1:9/bad', events: '*', batch_max_events: '5000' });
    expect(refused.status).toBe(400);
    expect(refused.text()).toContain('batch.max_events: a whole number of events per POST, 1 to 1000');
  });
});
