import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  adminRequest,
  httpRequest,
  readInboxBodies,
  startTestServer,
  type TestServer,
} from '../helpers/server.js';
import { metaSignature, signedHeaders } from '../helpers/signing.js';

/** Whatever is signed is stored byte for byte and answered 200; the admin API reads it back. */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.cleanup();
});

interface InboxRowJson {
  id: number;
  source: string;
  auth: string;
  content_type: string | null;
  state: string;
  body_bytes: number;
  body_base64: string;
}

async function inboxTotal(): Promise<number> {
  const stats = await adminRequest(server.url, '/v1/stats');
  expect(stats.status).toBe(200);
  return stats.json<{ inbox: { total: number } }>().inbox.total;
}

/** Posts `body` signed, expects 200, and returns the row it added (ids count up from 1). */
async function postAndReadBack(body: Buffer, headers: Record<string, string>): Promise<InboxRowJson> {
  const before = await inboxTotal();
  const response = await httpRequest(`${server.url}/webhooks/whatsapp`, { method: 'POST', headers, body });
  expect(response.status).toBe(200);
  expect(await inboxTotal()).toBe(before + 1);
  const row = await adminRequest(server.url, `/v1/inbox/${before + 1}`);
  expect(row.status).toBe(200);
  return row.json<InboxRowJson>();
}

describe('signed bodies are stored whatever they contain', () => {
  test('a signed body that is not JSON is stored byte for byte', async () => {
    const body = Buffer.from([0x6e, 0x6f, 0x74, 0x20, 0x6a, 0x73, 0x6f, 0x6e, 0x00, 0xff, 0xfe, 0x7b]);
    const row = await postAndReadBack(body, signedHeaders(body));
    expect(Buffer.from(row.body_base64, 'base64').equals(body)).toBe(true);
    expect(row).toMatchObject({ source: 'meta', auth: 'hmac', state: 'pending', body_bytes: body.length });
  });

  test('an empty signed body is stored', async () => {
    const body = Buffer.alloc(0);
    const row = await postAndReadBack(body, signedHeaders(body));
    expect(row.body_bytes).toBe(0);
  });

  test('an escaped-unicode envelope keeps its escapes in storage', async () => {
    const body = Buffer.from('{"object":"whatsapp_business_account","entry":[],"x":"Gr\\u00fc\\u00dfe \\/"}');
    const row = await postAndReadBack(body, signedHeaders(body));
    expect(Buffer.from(row.body_base64, 'base64').equals(body)).toBe(true);
  });

  test.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['application/octet-stream', { 'content-type': 'application/octet-stream' }],
    ['a made-up type', { 'content-type': 'application/x-whatever; charset=latin1' }],
  ])('a signed body sent as %s is stored with its content type', async (_label, contentType) => {
    const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');
    const row = await postAndReadBack(body, { ...contentType, 'x-hub-signature-256': metaSignature(body) });
    expect(row.content_type).toBe(contentType['content-type']);
    expect(Buffer.from(row.body_base64, 'base64').equals(body)).toBe(true);
  });

  test('a signed body sent with no content type at all is stored', async () => {
    const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');
    const row = await postAndReadBack(body, { 'x-hub-signature-256': metaSignature(body) });
    expect(row.content_type).toBeNull();
    expect(Buffer.from(row.body_base64, 'base64').equals(body)).toBe(true);
  });
});

describe('the webhook URL with a trailing slash', () => {
  test('accepts a signed POST there, since the handshake on it verifies too', async () => {
    const body = Buffer.from('{"object":"whatsapp_business_account","entry":[],"slash":true}');
    const before = await inboxTotal();
    const response = await httpRequest(`${server.url}/webhooks/whatsapp/`, {
      method: 'POST',
      headers: signedHeaders(body),
      body,
    });
    expect(response.status).toBe(200);
    const row = (await adminRequest(server.url, `/v1/inbox/${before + 1}`)).json<InboxRowJson>();
    expect(row).toMatchObject({ source: 'meta', auth: 'hmac', body_base64: body.toString('base64') });
  });

  test('still refuses an unsigned POST there', async () => {
    const response = await httpRequest(`${server.url}/webhooks/whatsapp/`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(401);
    expect(response.json()).toMatchObject({ error: 'signature_missing' });
  });
});

describe('admin API over the stored inbox', () => {
  test('answers 401 without the admin token, and with a wrong one', async () => {
    const missing = await httpRequest(`${server.url}/v1/stats`);
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    const wrong = await adminRequest(server.url, '/v1/inbox/1', { token: 'not-the-token' });
    expect(wrong.status).toBe(401);
    expect((await adminRequest(server.url, '/v1/requests', { token: 'x' })).status).toBe(401);
  });

  test('/v1/stats counts what the SQLite file holds', async () => {
    const rows = readInboxBodies(server.dbPath).length;
    const stats = await adminRequest(server.url, '/v1/stats');
    expect(stats.json()).toMatchObject({ inbox: { total: rows, pending: rows, quarantined: 0 } });
  });

  test('answers 404 for an inbox row that does not exist and 400 for a bad id', async () => {
    expect((await adminRequest(server.url, '/v1/inbox/999999')).status).toBe(404);
    expect((await adminRequest(server.url, '/v1/inbox/abc')).status).toBe(400);
  });
});

describe('stored rows survive a restart', () => {
  test('/v1/stats after a restart on the same data folder counts the rows stored before it', async () => {
    const first = await startTestServer();
    try {
      for (let index = 0; index < 3; index++) {
        const body = Buffer.from(`{"n":${index}}`);
        const response = await httpRequest(`${first.url}/webhooks/whatsapp`, {
          method: 'POST',
          headers: signedHeaders(body),
          body,
        });
        expect(response.status).toBe(200);
      }
      await first.stop();
      const second = await startTestServer({ dataDir: first.dataDir });
      try {
        const stats = await adminRequest(second.url, '/v1/stats');
        expect(stats.json()).toMatchObject({ inbox: { total: 3, pending: 3 } });
      } finally {
        await second.stop();
      }
    } finally {
      await first.cleanup();
    }
  });
});
