import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { httpRequest, readInboxBodies, startTestServer, type TestServer } from '../helpers/server.js';
import { signedHeaders, taggedBody, testIdOf } from '../helpers/signing.js';

/**
 * When the store cannot write, the receiver must say so (503, so Meta retries) instead of hanging
 * or answering 200 for bytes it does not have; and it must recover by itself once the store does.
 * Another connection holding SQLite's write lock stands in for a store that cannot write.
 */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.cleanup();
});

function post(testId: string) {
  const body = taggedBody(testId);
  return httpRequest(`${server.url}/webhooks/whatsapp`, {
    method: 'POST',
    headers: signedHeaders(body),
    body,
  });
}

describe('store failure', () => {
  test('answers 503 and is not ready while the write lock is held elsewhere, and recovers without a restart', async () => {
    expect((await post('before-lock')).status).toBe(200);
    expect((await httpRequest(`${server.url}/readyz`)).status).toBe(200);

    const blocker = new Database(server.dbPath);
    try {
      blocker.exec('BEGIN IMMEDIATE');
      const [locked, readiness] = await Promise.all([
        post('during-lock'),
        httpRequest(`${server.url}/readyz`),
      ]);
      expect(locked.status).toBe(503);
      expect(locked.headers['retry-after']).toBe('5');
      expect(locked.json()).toMatchObject({ error: 'store_unavailable' });
      expect(readiness.status).toBe(503);
      expect(readiness.json()).toMatchObject({ status: 'not_ready' });
      expect((await httpRequest(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }

    expect((await post('after-lock')).status).toBe(200);
    expect((await httpRequest(`${server.url}/readyz`)).status).toBe(200);
    const stored = readInboxBodies(server.dbPath).map(testIdOf);
    expect(stored).toEqual(['before-lock', 'after-lock']);
  });
});
