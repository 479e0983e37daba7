import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { adminRequest, httpRequest, startTestServer, type TestServer } from '../helpers/server.js';

/** Sources that do not sign (e.g. 360dialog) authenticate with a configured secret header. */
let server: TestServer;
let route: string;
const BODY = Buffer.from('{"contacts":[],"messages":[]}');

beforeAll(async () => {
  server = await startTestServer({ env: { WAHOOK_HEADER_AUTH: 'd360=Authorization:Bearer s3cret' } });
  route = `${server.url}/webhooks/whatsapp/d360`;
});
afterAll(async () => {
  await server?.cleanup();
});

function post(url: string, headers: Record<string, string>) {
  return httpRequest(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: BODY,
  });
}

describe('POST /webhooks/whatsapp/<source> with header authentication', () => {
  test('accepts the request carrying the configured header and stores it under the source', async () => {
    const response = await post(route, { authorization: 'Bearer s3cret' });
    expect(response.status).toBe(200);
    const total = (await adminRequest(server.url, '/v1/stats')).json<{ inbox: { total: number } }>().inbox
      .total;
    const row = (await adminRequest(server.url, `/v1/inbox/${total}`)).json();
    expect(row).toMatchObject({ source: 'd360', auth: 'header', body_base64: BODY.toString('base64') });
  });

  test('answers 401 auth_header_missing without the header', async () => {
    const response = await post(route, {});
    expect(response.status).toBe(401);
    expect(response.json()).toMatchObject({ error: 'auth_header_missing' });
  });

  test('answers 401 auth_header_mismatch to a wrong value', async () => {
    const response = await post(route, { authorization: 'Bearer s3cre' });
    expect(response.status).toBe(401);
    expect(response.json()).toMatchObject({ error: 'auth_header_mismatch' });
  });

  test('answers 404 unknown_source to a source that is not configured', async () => {
    const response = await post(`${server.url}/webhooks/whatsapp/other`, { authorization: 'Bearer s3cret' });
    expect(response.status).toBe(404);
    expect(response.json()).toMatchObject({ error: 'unknown_source' });
  });

  test('a Meta signature does not open a header-auth route', async () => {
    const response = await post(route, { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` });
    expect(response.status).toBe(401);
  });
});
