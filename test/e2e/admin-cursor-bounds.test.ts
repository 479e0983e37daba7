import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStages } from '../../src/stages.js';
import { describePostgres, TestSchemas } from '../helpers/postgres.js';
import { adminRequest, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Cursors, ids and limits of the admin API are checked before a store sees them: a number past
 * 2^53, a fraction or a negative value answers 400 with the registry's code on both stores,
 * instead of a database error (PostgreSQL refuses such a BIGINT, SQLite compares it as a float).
 * No answer carries database text.
 */
const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const HUGE = '99999999999999999999';

const REFUSED: [method: string, path: string, body: string | null][] = [
  ['GET', `/v1/events?after=${HUGE}`, null],
  ['GET', '/v1/events?after=1.5', null],
  ['GET', '/v1/events?after=-1', null],
  ['GET', '/v1/events?limit=0', null],
  ['GET', `/v1/events?limit=${HUGE}`, null],
  ['GET', '/v1/events?limit=2.5', null],
  ['GET', `/v1/events/stream?after=${HUGE}`, null],
  ['GET', `/v1/messages?before=${cursor([1.5, 'wamid.x'])}`, null],
  ['GET', `/v1/messages?before=${cursor([1e20, 'wamid.x'])}`, null],
  ['GET', `/v1/messages?before=${cursor([-1, 'wamid.x'])}`, null],
  ['GET', `/v1/messages?before=${cursor([1, 'x'.repeat(600)])}`, null],
  ['GET', '/v1/messages?before=not-a-cursor', null],
  ['GET', `/v1/messages?limit=${HUGE}`, null],
  ['GET', `/v1/inbox?before=${HUGE}`, null],
  ['GET', '/v1/inbox?before=1.5', null],
  ['GET', `/v1/inbox/${HUGE}`, null],
  ['GET', `/v1/requests?before=${HUGE}`, null],
  ['GET', `/v1/dead-letters?after=${HUGE}`, null],
  ['GET', '/v1/dead-letters?after=1.5', null],
  ['GET', `/v1/dead-letters/${HUGE}`, null],
  ['POST', '/v1/dead-letters/replay', JSON.stringify({ ids: [HUGE] })],
  ['POST', '/v1/dead-letters/replay', JSON.stringify({ ids: [1.5] })],
];

const DATABASE_TEXT = /bigint|syntax|out of range|sqlite|postgres|relation|column|select/i;

function refusesEveryBadCursor(server: () => TestServer): void {
  it.each(REFUSED)('%s %s answers 400 without database text', async (method, path, body) => {
    const answer = await adminRequest(server().url, path, {
      method,
      ...(body ? { headers: { 'content-type': 'application/json' }, body } : {}),
    });
    expect(answer.status, answer.body.toString()).toBe(400);
    const json = answer.json<{ error: string; message: string }>();
    expect(json.error).toBe('bad_request');
    expect(json.message).not.toMatch(DATABASE_TEXT);
  });

  it('still answers the cursors it hands out', async () => {
    const events = await adminRequest(server().url, '/v1/events?after=9007199254740991&limit=1000');
    expect(events.status, events.body.toString()).toBe(200);
    const messages = await adminRequest(
      server().url,
      `/v1/messages?before=${cursor([1767262000000, 'wamid.x'])}`,
    );
    expect(messages.status, messages.body.toString()).toBe(200);
    expect((await adminRequest(server().url, '/v1/inbox?before=9007199254740991')).status).toBe(200);
    expect((await adminRequest(server().url, '/v1/dead-letters?after=0')).status).toBe(200);
  });
}

describe('admin cursors and limits on SQLite', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ stages: createStages });
  });
  afterAll(async () => {
    await server?.cleanup();
  });
  refusesEveryBadCursor(() => server);
});

describePostgres('admin cursors and limits on PostgreSQL', () => {
  const schemas = new TestSchemas('cursor_bounds');
  let server: TestServer;
  let passed = false;
  beforeAll(async () => {
    const { url } = await schemas.create();
    server = await startTestServer({ stages: createStages, env: { WAHOOK_DATABASE_URL: url } });
  });
  afterAll(async () => {
    await server?.cleanup();
    await schemas.finish(!passed);
  });
  refusesEveryBadCursor(() => server);
  it('leaves the schema for inspection only on failure', () => {
    passed = true;
  });
});
