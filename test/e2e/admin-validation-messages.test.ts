import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStages } from '../../src/stages.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { TEST_ADMIN_TOKEN } from '../helpers/signing.js';

/**
 * The words of a refusal, now that the routes' schemas (not the handlers) check the input: each
 * message below is the one the route answered when it parsed its input itself, so a client that
 * shows them to a person sees no change. Field by field in `describeIssues` words; a path
 * parameter stands alone; a route with words of its own (erasure, subscriptions, metadata, send)
 * keeps them.
 */
const ADMIN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const JSON_HEADERS = { ...ADMIN, 'content-type': 'application/json' };

const CASES: [method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, body: unknown, message: string][] = [
  [
    'GET',
    '/v1/inbox?limit=x&before=-2',
    undefined,
    'limit: Invalid input: expected number, received NaN; before: Too small: expected number to be >0',
  ],
  ['GET', '/v1/inbox/x', undefined, 'inbox id must be a positive integer'],
  ['GET', '/v1/requests?before=x', undefined, 'before: Invalid input: expected number, received NaN'],
  [
    'GET',
    '/v1/events?after=a&limit=b',
    undefined,
    'after: after must be a cursor returned as "next" by an earlier call; limit: Invalid input: expected number, received NaN',
  ],
  [
    'GET',
    '/v1/messages?since=soon',
    undefined,
    'since: since must be an ISO-8601 time, e.g. 2026-01-01T00:00:00Z',
  ],
  [
    'POST',
    '/v1/erasure',
    {},
    'give exactly one of {"wa_id": "<phone number>"} or {"user_id": "<BSUID>"}; Invalid input',
  ],
  [
    'POST',
    '/v1/erasure',
    { wa_id: 'abc' },
    'give exactly one of {"wa_id": "<phone number>"} or {"user_id": "<BSUID>"}; wa_id: wa_id is a phone number in digits, e.g. 4915112345678',
  ],
  [
    'POST',
    '/v1/subscriptions',
    undefined,
    'send a JSON object, e.g. {"url":"https://erp.example.com/whatsapp-events","events":["*"]}',
  ],
  [
    'POST',
    '/v1/subscriptions',
    [1],
    'send a JSON object, e.g. {"url":"https://erp.example.com/whatsapp-events","events":["*"]}',
  ],
  [
    'POST',
    '/v1/subscriptions',
    { url: 'nope', events: ['*'] },
    'url: must be an absolute http:// or https:// URL, e.g. https://erp.example.com/whatsapp-events',
  ],
  ['POST', '/v1/subscriptions', { url: 'http://127.0.0.1:9/h', colour: 'red' }, 'unknown field(s) colour'],
  [
    'PATCH',
    '/v1/subscriptions/sub_x',
    undefined,
    'send a JSON object with the fields to change, e.g. {"enabled":true} or {"paused":true}',
  ],
  [
    'PATCH',
    '/v1/subscriptions/sub_x',
    { enabled: 'yes' },
    'enabled: Invalid input: expected boolean, received string',
  ],
  ['GET', '/v1/dead-letters?colour=red', undefined, 'unknown field(s) colour'],
  ['GET', '/v1/dead-letters/0', undefined, 'id must be a dead letter id (a positive integer)'],
  [
    'POST',
    '/v1/dead-letters/replay',
    undefined,
    'say which dead letters to replay: {"ids":[…]} or {"subscription":"sub_…","since":"2026-01-31T00:00:00Z"}',
  ],
  [
    'POST',
    '/v1/dead-letters/replay',
    { ids: [1], subscription: 's' },
    'give either ids or filters (subscription, since, error), not both',
  ],
  [
    'POST',
    '/v1/messages',
    undefined,
    'phone_number_id: Invalid input: expected string, received undefined; message: Invalid input: expected record, received undefined',
  ],
  ['POST', '/v1/messages', [1], 'body: Invalid input: expected object, received array'],
  [
    'PUT',
    '/v1/messages/wamid.x/metadata',
    [1],
    'the body is the metadata: a JSON object, e.g. {"guest_id":"g-17"}',
  ],
  [
    'GET',
    '/v1/deliveries?limit=0&subscription=',
    undefined,
    'subscription: Too small: expected string to have >=1 characters; limit: Too small: expected number to be >=1',
  ],
];

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ stages: createStages, env: { WAHOOK_ROLES: 'receiver' } });
});
afterAll(async () => {
  await server?.cleanup();
});

it.each(CASES)('%s %s %j answers bad_request: %s', async (method, url, body, message) => {
  const response = await server.server.app.inject({
    method,
    url,
    headers: body === undefined ? ADMIN : JSON_HEADERS,
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  expect(response.statusCode).toBe(400);
  expect(response.json()).toEqual({
    error: 'bad_request',
    message,
    hint: 'Fix the request as the message says.',
  });
});
