import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStages } from '../../src/stages.js';
import { adminRequest, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * No id, filter or field of the admin API can hold a NUL, and on PostgreSQL a query comparing with
 * one fails (a 500, and an event stream retrying it every two seconds). The API refuses it up front.
 */
describe('admin requests holding a NUL character', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ stages: createStages });
  });
  afterAll(async () => {
    await server?.cleanup();
  });

  it.each([
    ['a path parameter', 'GET', '/v1/messages/wamid.%00', 'path'],
    ['a query filter', 'GET', '/v1/events?types=message.status%00', 'query'],
    ['the event stream', 'GET', '/v1/events/stream?types=%00', 'query'],
  ])('answers 400 for %s, naming the part', async (_what, method, path, part) => {
    const answer = await adminRequest(server.url, path, { method });
    expect(answer.status).toBe(400);
    expect(answer.json()).toEqual({
      error: 'bad_request',
      message: `the request's ${part} holds a NUL character (\\u0000 or %00); remove it`,
      hint: 'Fix the request as the message says.',
    });
  });

  it('answers 400 for a JSON body holding one', async () => {
    const answer = await adminRequest(server.url, '/v1/dead-letters/replay', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ error: 'timeout\u0000' }),
    });
    expect(answer.status).toBe(400);
    expect(answer.json<{ message: string }>().message).toMatch(/the request's body holds a NUL character/);
  });

  it('still answers requests without one', async () => {
    expect((await adminRequest(server.url, '/v1/messages/wamid.unknown')).status).toBe(404);
    expect((await adminRequest(server.url, '/v1/events?types=message.status')).status).toBe(200);
  });
});
