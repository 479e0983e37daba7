import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { adminRequest, httpRequest, startTestServer, type TestServer } from '../helpers/server.js';
import { metaSignature, signedHeaders, TEST_APP_SECRET } from '../helpers/signing.js';

/** POST /webhooks/whatsapp refuses anything not signed over the exact bytes, and says why. */
let server: TestServer;
let webhook: string;

beforeAll(async () => {
  server = await startTestServer({ env: { WAHOOK_APP_SECRETS: `${TEST_APP_SECRET},rotated_secret` } });
  webhook = `${server.url}/webhooks/whatsapp`;
});
afterAll(async () => {
  await server?.cleanup();
});

const ESCAPED = Buffer.from('{"object":"whatsapp_business_account","entry":[],"name":"Ren\\u00e9"}');

async function inboxTotal(): Promise<number> {
  const stats = await adminRequest(server.url, '/v1/stats');
  return stats.json<{ inbox: { total: number } }>().inbox.total;
}

describe('POST /webhooks/whatsapp authentication', () => {
  test('answers 200 to a body signed with the configured secret', async () => {
    const response = await httpRequest(webhook, {
      method: 'POST',
      headers: signedHeaders(ESCAPED),
      body: ESCAPED,
    });
    expect(response.status).toBe(200);
  });

  test('answers 200 to a body signed with the second configured secret (rotation)', async () => {
    const response = await httpRequest(webhook, {
      method: 'POST',
      headers: signedHeaders(ESCAPED, 'rotated_secret'),
      body: ESCAPED,
    });
    expect(response.status).toBe(200);
  });

  test('answers 401 signature_missing to an unsigned request and stores nothing', async () => {
    const before = await inboxTotal();
    const response = await httpRequest(webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: ESCAPED,
    });
    expect(response.status).toBe(401);
    expect(response.json()).toMatchObject({ error: 'signature_missing' });
    expect(await inboxTotal()).toBe(before);
  });

  test('answers 401 signature_mismatch to a body signed with another secret', async () => {
    const response = await httpRequest(webhook, {
      method: 'POST',
      headers: signedHeaders(ESCAPED, 'not_our_secret'),
      body: ESCAPED,
    });
    expect(response.status).toBe(401);
    expect(response.json()).toMatchObject({ error: 'signature_mismatch' });
  });

  test('answers 401 with a re-encoding hint when the signed body arrives with raw non-ASCII bytes', async () => {
    const reencoded = Buffer.from(JSON.stringify(JSON.parse(ESCAPED.toString('utf8'))));
    const response = await httpRequest(webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(ESCAPED) },
      body: reencoded,
    });
    expect(response.status).toBe(401);
    const answer = response.json<{ error: string; hints: string[] }>();
    expect(answer.error).toBe('signature_mismatch');
    expect(answer.hints).toEqual([expect.stringContaining('raw non-ASCII bytes')]);
  });

  test('answers 401 to a body changed by one byte after signing', async () => {
    const tampered = Buffer.from(ESCAPED);
    tampered[tampered.length - 2] = 'x'.charCodeAt(0);
    const response = await httpRequest(webhook, {
      method: 'POST',
      headers: signedHeaders(ESCAPED),
      body: tampered,
    });
    expect(response.status).toBe(401);
    expect(response.json()).toMatchObject({ error: 'signature_mismatch', hints: [] });
  });

  test('answers 401 signature_bad_prefix to the legacy sha1= form', async () => {
    const digest = metaSignature(ESCAPED).slice('sha256='.length);
    const response = await httpRequest(webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha1=${digest}` },
      body: ESCAPED,
    });
    expect(response.status).toBe(401);
    expect(response.json()).toMatchObject({ error: 'signature_bad_prefix' });
  });

  test('answers 401 signature_bad_length to a truncated digest', async () => {
    const response = await httpRequest(webhook, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': metaSignature(ESCAPED).slice(0, -2),
      },
      body: ESCAPED,
    });
    expect(response.status).toBe(401);
    expect(response.json()).toMatchObject({ error: 'signature_bad_length' });
  });
});

describe('POST /webhooks/whatsapp size limit', () => {
  let small: TestServer;
  beforeAll(async () => {
    small = await startTestServer({ env: { WAHOOK_MAX_BODY_BYTES: '1KiB' } });
  });
  afterAll(async () => {
    await small?.cleanup();
  });

  test('answers 413 to a signed body over WAHOOK_MAX_BODY_BYTES and names the limit', async () => {
    const body = Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', pad: 'x'.repeat(2048) }));
    const response = await httpRequest(`${small.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: signedHeaders(body),
      body,
    });
    expect(response.status).toBe(413);
    const answer = response.json<{ error: string; hint: string }>();
    expect(answer.error).toBe('body_too_large');
    expect(answer.hint).toContain('WAHOOK_MAX_BODY_BYTES');
  });

  test('answers 200 to a signed body exactly at the limit', async () => {
    const prefix = '{"object":"whatsapp_business_account","pad":"';
    const body = Buffer.from(`${prefix}${'x'.repeat(1024 - prefix.length - 2)}"}`);
    expect(body.length).toBe(1024);
    const response = await httpRequest(`${small.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: signedHeaders(body),
      body,
    });
    expect(response.status).toBe(200);
  });
});
