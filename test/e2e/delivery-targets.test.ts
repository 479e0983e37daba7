import { afterEach, expect, it } from 'vitest';
import { createStages } from '../../src/stages.js';
import { describeEachStore } from '../helpers/delivery-fixtures.js';
import { adminRequest, httpRequest, startTestServerOn, type TestServer } from '../helpers/server.js';
import { TEST_ADMIN_TOKEN } from '../helpers/signing.js';

/**
 * Subscriptions through the admin API of a server that does not allow private targets (the
 * default outside local mode), and of one in local mode, where loopback subscribers are the point;
 * on SQLite and on PostgreSQL, whose adapter stores the subscription the check let through.
 */
function create(server: TestServer, body: unknown) {
  return adminRequest(server.url, '/v1/subscriptions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describeEachStore('subscription targets', (stores) => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.cleanup();
  });

  async function serve(env: Record<string, string | undefined>): Promise<TestServer> {
    const server = await startTestServerOn(stores, {
      env: { WAHOOK_ROLES: 'receiver', ...env },
      stages: createStages,
    });
    servers.push(server);
    return server;
  }

  it('refuses loopback, private and metadata URLs and sensitive headers unless allowed', async () => {
    const server = await serve({ WAHOOK_DELIVERY_ALLOW_PRIVATE: 'false' });
    for (const url of [
      'http://127.0.0.1:9/hooks',
      'http://[::1]/',
      'http://192.168.0.10/',
      'http://169.254.169.254/',
    ]) {
      const refused = await create(server, { url });
      expect(refused.status, url).toBe(400);
      expect(refused.json<{ error: string; message: string }>()).toMatchObject({
        error: 'bad_request',
        message: expect.stringContaining('WAHOOK_DELIVERY_ALLOW_PRIVATE=true'),
      });
    }
    const header = await create(server, {
      url: 'https://erp.example.com/hooks',
      headers: { 'Metadata-Flavor': 'Google' },
    });
    expect(header.status).toBe(400);
    expect(header.json<{ message: string }>().message).toMatch(/^headers\.Metadata-Flavor: .*cloud-metadata/);

    const made = await create(server, { url: 'https://erp.example.com/hooks' });
    expect(made.status).toBe(201);
    const id = made.json<{ id: string }>().id;
    const moved = await adminRequest(server.url, `/v1/subscriptions/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'http://10.0.0.7/' }),
    });
    expect(moved.status).toBe(400);
  });

  it('refuses the same URLs, in the same words, from the dashboard as from the API', async () => {
    const server = await serve({ WAHOOK_DELIVERY_ALLOW_PRIVATE: 'false' });
    for (const url of ['http://127.0.0.1:9/hooks', 'http://169.254.169.254/', 'http://localhost:3000/']) {
      const api = (await create(server, { url })).json<{ message: string }>().message;
      const form = await httpRequest(`${server.url}/dashboard/subscriptions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ url, events: '*' }).toString(),
      });
      expect(form.status, url).toBe(400);
      expect(api, url).toMatch(/^url: /);
      expect(form.text(), url).toContain(`Not added: ${api.slice('url: '.length)}`);
    }
    const listed = await adminRequest(server.url, '/v1/subscriptions');
    expect(listed.json()).toEqual({ subscriptions: [] });
  });

  it('accepts loopback subscribers in local mode', async () => {
    const server = await serve({
      WAHOOK_APP_SECRETS: undefined,
      WAHOOK_VERIFY_TOKEN: undefined,
      WAHOOK_DELIVERY_ALLOW_PRIVATE: undefined,
    });
    expect(server.server.secrets.localMode).toBe(true);
    const local = await adminRequest(server.url, '/v1/subscriptions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'http://127.0.0.1:9/hooks' }),
    });
    expect(local.status).toBe(201);
  });
});
