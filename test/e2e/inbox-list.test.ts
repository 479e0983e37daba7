import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStages } from '../../src/stages.js';
import { adminRequest, httpRequest, startTestServer, type TestServer } from '../helpers/server.js';
import { signedHeaders } from '../helpers/signing.js';
import { waitFor } from '../helpers/wait.js';

/** An operator finds quarantined rows through the API, without opening the database. */
describe('GET /v1/inbox', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ stages: createStages });
  });
  afterAll(async () => {
    await server?.cleanup();
  });

  const post = (body: string) =>
    httpRequest(`${server.url}/webhooks/whatsapp`, { method: 'POST', headers: signedHeaders(body), body });

  it('lists quarantined rows with their reason, newest first', async () => {
    expect((await post('{"object":"whatsapp_business_account","entry":[]}')).status).toBe(200);
    expect((await post('not json at all')).status).toBe(200);
    expect((await post('{"unexpected":true}')).status).toBe(200);
    await waitFor(async () => {
      const stats = (await adminRequest(server.url, '/v1/stats')).json<{ inbox: { pending: number } }>();
      return stats.inbox.pending === 0;
    }, 'the worker to process every row');

    const answer = await adminRequest(server.url, '/v1/inbox?state=quarantined');
    expect(answer.status).toBe(200);
    const rows = answer.json<{ inbox: { id: number; state: string; error: string; body_bytes: number }[] }>()
      .inbox;
    expect(rows).toHaveLength(2);
    expect(rows.every((row) => row.state === 'quarantined')).toBe(true);
    expect(rows[0]!.id).toBeGreaterThan(rows[1]!.id);
    expect(rows[0]!.error).toMatch(/unknown shape/i);
    expect(rows[1]!.error).toMatch(/JSON/);
    expect(rows[1]!.body_bytes).toBe('not json at all'.length);
  });

  it('refuses an unknown state with 400 and the admin API without a token with 401', async () => {
    expect((await adminRequest(server.url, '/v1/inbox?state=stuck')).status).toBe(400);
    expect((await httpRequest(`${server.url}/v1/inbox`)).status).toBe(401);
  });

  it('counts the inbox and the delivery queue in /v1/stats', async () => {
    const stats = (await adminRequest(server.url, '/v1/stats')).json<{
      inbox: { total: number; quarantined: number; processed: number };
      deliveries: { pending: number; due: number; dead: number; oldest_due_at: string | null };
    }>();
    expect(stats.inbox).toMatchObject({ total: 3, quarantined: 2, processed: 1 });
    expect(stats.deliveries).toEqual({ pending: 0, due: 0, dead: 0, oldest_due_at: null });
  });
});
