import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { adminRequest, httpRequest, startTestServer, type TestServer } from '../helpers/server.js';
import { metaSignature } from '../helpers/signing.js';
import { waitFor } from '../helpers/wait.js';

/** Refused requests are kept (bounded, redacted) and listed by GET /v1/requests for troubleshooting. */
let server: TestServer;

const WRONG_BODY = Buffer.from('{"object":"whatsapp_business_account","name":"René"}');
const WRONG_SIGNATURE = metaSignature(WRONG_BODY, 'wrong_secret');

/** All refusals are sent up front: the log is written about once a second, so the tests share one wait. */
beforeAll(async () => {
  server = await startTestServer({ env: { WAHOOK_HEADER_AUTH: 'd360=X-D360-Key:k3y-value' } });
  const answers = await Promise.all([
    httpRequest(`${server.url}/webhooks/whatsapp?x=1`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': WRONG_SIGNATURE,
        'user-agent': 'probe/1',
        'x-api-key': 'api-s3cret',
      },
      body: WRONG_BODY,
    }),
    httpRequest(`${server.url}/webhooks/whatsapp`, { method: 'POST', body: '{}' }),
    httpRequest(`${server.url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1`),
    httpRequest(`${server.url}/webhooks/whatsapp/d360`, {
      method: 'POST',
      headers: { 'x-d360-key': 'k3y-valuX' },
      body: '{}',
    }),
    httpRequest(`${server.url}/webhook`, { method: 'POST', body: '{}' }),
  ]);
  expect(answers.map((answer) => answer.status)).toEqual([401, 401, 403, 401, 404]);
});
afterAll(async () => {
  await server?.cleanup();
});

interface RejectedJson {
  id: number;
  method: string;
  path: string;
  status: number;
  reason: string;
  hints: string[];
  headers: Record<string, string>;
  body_bytes: number;
  body_prefix: string;
}

async function rejectedWith(reason: string): Promise<RejectedJson> {
  let found: RejectedJson | undefined;
  await waitFor(async () => {
    const list = await adminRequest(server.url, '/v1/requests?limit=100');
    found = list.json<{ requests: RejectedJson[] }>().requests.find((row) => row.reason === reason);
    return found !== undefined;
  }, `a rejected request with reason ${reason} in /v1/requests`);
  return found!;
}

describe('GET /v1/requests', () => {
  test('lists a request signed with the wrong secret with its reason, hints and a redacted signature', async () => {
    const row = await rejectedWith('signature_mismatch');
    expect(row).toMatchObject({ method: 'POST', path: '/webhooks/whatsapp', status: 401 });
    expect(row.body_bytes).toBe(WRONG_BODY.length);
    // The shape of the body: structural values kept, the name (personal data) replaced.
    expect(JSON.parse(row.body_prefix)).toEqual({
      object: 'whatsapp_business_account',
      name: '[string, 4 chars]',
    });
    expect(row.hints).toEqual([expect.stringContaining('raw non-ASCII')]);
    expect(row.headers['user-agent']).toBe('probe/1');
    expect(row.headers['x-hub-signature-256']).toMatch(/^\[redacted/);
    expect(row.headers['x-api-key']).toBe('[redacted, 10 chars]');
    expect(JSON.stringify(row)).not.toContain(WRONG_SIGNATURE.slice('sha256='.length));
    expect(JSON.stringify(row)).not.toContain('René');
    expect(JSON.stringify(row)).not.toContain('api-s3cret');
  });

  test('lists an unsigned request as signature_missing', async () => {
    expect((await rejectedWith('signature_missing')).status).toBe(401);
  });

  test('lists a wrong verify token as a 403 handshake without the token value in the path', async () => {
    const row = await rejectedWith('verify_token_mismatch');
    expect(row).toMatchObject({ method: 'GET', status: 403, path: '/webhooks/whatsapp' });
  });

  test('redacts the secret header of a header-auth source', async () => {
    const row = await rejectedWith('auth_header_mismatch');
    expect(row.headers['x-d360-key']).toMatch(/^\[redacted/);
    expect(JSON.stringify(row)).not.toContain('k3y-valu');
  });

  test('lists a request to an unknown path with the right webhook URL as a hint', async () => {
    const row = await rejectedWith('unknown_route');
    expect(row.status).toBe(404);
    expect(row.hints.join(' ')).toContain('/webhooks/whatsapp');
  });

  test('lists all five refusals, newest first', async () => {
    let ids: number[] = [];
    await waitFor(async () => {
      const list = (await adminRequest(server.url, '/v1/requests')).json<{ requests: RejectedJson[] }>();
      ids = list.requests.map((row) => row.id);
      return ids.length === 5;
    }, 'five rows in /v1/requests');
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
  });
});
