import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { httpRequest, startTestServer, type TestServer } from '../helpers/server.js';
import { TEST_VERIFY_TOKEN } from '../helpers/signing.js';

/** GET /webhooks/whatsapp: Meta's verification handshake (fact reference §1). */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.cleanup();
});

function handshake(params: Record<string, string>, path = '/webhooks/whatsapp') {
  const query = Object.entries(params)
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    .join('&');
  return httpRequest(`${server.url}${path}?${query}`);
}

describe('GET /webhooks/whatsapp handshake', () => {
  test('echoes a numeric challenge as text/plain', async () => {
    const response = await handshake({
      'hub.mode': 'subscribe',
      'hub.verify_token': TEST_VERIFY_TOKEN,
      'hub.challenge': '1158201444',
    });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.text()).toBe('1158201444');
  });

  test('echoes byte for byte a challenge with characters that need URL-encoding', async () => {
    const challenge = 'a b+c&d=e/f?g%h#i"j\'k<l>é😀';
    const response = await handshake({
      'hub.mode': 'subscribe',
      'hub.challenge': challenge,
      'hub.verify_token': TEST_VERIFY_TOKEN,
    });
    expect(response.status).toBe(200);
    expect(response.body.equals(Buffer.from(challenge, 'utf8'))).toBe(true);
  });

  test('echoes a challenge with leading zeros unchanged, never as a number', async () => {
    const response = await handshake({
      'hub.mode': 'subscribe',
      'hub.verify_token': TEST_VERIFY_TOKEN,
      'hub.challenge': '000123',
    });
    expect(response.text()).toBe('000123');
  });

  test('answers 403 to a wrong verify token and does not echo the challenge', async () => {
    const response = await handshake({
      'hub.mode': 'subscribe',
      'hub.verify_token': 'wrong-token',
      'hub.challenge': 'secret-challenge',
    });
    expect(response.status).toBe(403);
    expect(response.json()).toMatchObject({ error: 'verify_token_mismatch' });
    expect(response.text()).not.toContain('secret-challenge');
  });

  test('answers 403 when the verify token is missing', async () => {
    const response = await handshake({ 'hub.mode': 'subscribe', 'hub.challenge': 'c' });
    expect(response.status).toBe(403);
  });

  test('answers 403 to a right token with a mode other than subscribe, or no challenge', async () => {
    const wrongMode = await handshake({
      'hub.mode': 'unsubscribe',
      'hub.verify_token': TEST_VERIFY_TOKEN,
      'hub.challenge': 'c',
    });
    expect(wrongMode.status).toBe(403);
    expect(wrongMode.json()).toMatchObject({ error: 'handshake_malformed' });
    const noChallenge = await handshake({ 'hub.mode': 'subscribe', 'hub.verify_token': TEST_VERIFY_TOKEN });
    expect(noChallenge.status).toBe(403);
  });

  test('answers a challenge given twice with 403 rather than echoing one of them', async () => {
    const url = `${server.url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${TEST_VERIFY_TOKEN}&hub.challenge=a&hub.challenge=b`;
    expect((await httpRequest(url)).status).toBe(403);
  });
});
