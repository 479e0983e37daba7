import { readFileSync } from 'node:fs';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, WEBHOOK_REJECTIONS } from '../../src/errors.js';
import { createStages } from '../../src/stages.js';
import { registeredRoutes } from '../helpers/routes.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { metaSignature, signedHeaders, TEST_ADMIN_TOKEN, TEST_VERIFY_TOKEN } from '../helpers/signing.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Every error answer of the HTTP API speaks the registry (src/errors.ts, docs/errors.md): the
 * code's own status, `{error, message, hint}`, never a framework's code or one made up in a route.
 * Each route's error paths are driven through inject; a route without an entry in ROUTES fails the
 * first test, so a new route comes with its error cases (the HTML dashboard excepted). Then the store is closed, and every route
 * that reads or writes it must answer 503 store_unavailable with Retry-After.
 */
const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const DOCUMENTED = new Map(
  [...doc.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1] as string, Number(m[2])]),
);

type Request = Omit<InjectOptions, 'url' | 'method'> & { url?: string; method?: InjectOptions['method'] };
type Case = [what: string, request: Request, code: string];

interface RouteCases {
  /** A request that reaches the store (params filled in, a valid body): it must answer 503 once the store fails. */
  sample: Request & { url: string };
  /** False for routes that answer before (or without) asking the store. */
  store?: false;
  cases: Case[];
}

const ADMIN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const JSON_HEADERS = { ...ADMIN, 'content-type': 'application/json' };
const MAX_BODY = 4096;
const signed = (body: string, headers: Record<string, string> = {}) => ({
  headers: { ...signedHeaders(Buffer.from(body)), ...headers },
  payload: body,
});
const envelope = JSON.stringify({ object: 'whatsapp_business_account', entry: [] });
const sendBody = (to: string) => ({
  phone_number_id: '106540352242922',
  to,
  message: { type: 'text', text: { body: 'hi' } },
});
const handshake = (token: string, mode = 'subscribe') =>
  `hub.mode=${mode}&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=42`;

const ROUTES: Record<string, RouteCases> = {
  'GET /healthz': { sample: { url: '/healthz' }, store: false, cases: [] },
  'GET /metrics': { sample: { url: '/metrics' }, store: false, cases: [] },
  // Its store failure has its own test below: the body also carries `status`.
  'GET /readyz': { sample: { url: '/readyz' }, store: false, cases: [] },
  'GET /webhooks/whatsapp': {
    sample: { url: `/webhooks/whatsapp?${handshake(TEST_VERIFY_TOKEN)}` },
    store: false,
    cases: [
      ['no verify token', { url: '/webhooks/whatsapp' }, 'verify_token_mismatch'],
      ['another verify token', { url: `/webhooks/whatsapp?${handshake('nope')}` }, 'verify_token_mismatch'],
      [
        'a mode other than subscribe',
        { url: `/webhooks/whatsapp?${handshake(TEST_VERIFY_TOKEN, 'x')}` },
        'handshake_malformed',
      ],
    ],
  },
  'GET /webhooks/whatsapp/:source': {
    sample: { url: `/webhooks/whatsapp/d360?${handshake(TEST_VERIFY_TOKEN)}` },
    store: false,
    cases: [
      ['another verify token', { url: `/webhooks/whatsapp/d360?${handshake('x')}` }, 'verify_token_mismatch'],
    ],
  },
  'POST /webhooks/whatsapp': {
    sample: { url: '/webhooks/whatsapp', ...signed(envelope) },
    cases: [
      ['no signature', { payload: envelope }, 'signature_missing'],
      [
        'a signature without sha256=',
        signed(envelope, { 'x-hub-signature-256': 'md5=00' }),
        'signature_bad_prefix',
      ],
      ['a short signature', signed(envelope, { 'x-hub-signature-256': 'sha256=00' }), 'signature_bad_length'],
      [
        'a signature that is not hex',
        signed(envelope, { 'x-hub-signature-256': `sha256=${'z'.repeat(64)}` }),
        'signature_not_hex',
      ],
      [
        'a signature of other bytes',
        signed(envelope, { 'x-hub-signature-256': metaSignature('{}') }),
        'signature_mismatch',
      ],
      ['a body over WAHOOK_MAX_BODY_BYTES', signed('x'.repeat(MAX_BODY + 1)), 'body_too_large'],
    ],
  },
  'POST /webhooks/whatsapp/': {
    sample: { url: '/webhooks/whatsapp/', ...signed(envelope) },
    cases: [['no signature', { payload: envelope }, 'signature_missing']],
  },
  'POST /webhooks/whatsapp/:source': {
    sample: {
      url: '/webhooks/whatsapp/d360',
      headers: { authorization: 'Bearer s3cret' },
      payload: envelope,
    },
    cases: [
      ['an unknown source', { url: '/webhooks/whatsapp/other', payload: envelope }, 'unknown_source'],
      ['no auth header', { payload: envelope }, 'auth_header_missing'],
      [
        'a wrong auth header',
        { headers: { authorization: 'Bearer x' }, payload: envelope },
        'auth_header_mismatch',
      ],
    ],
  },
  'GET /v1/stats': { sample: { url: '/v1/stats' }, cases: [] },
  // Built from the routes' schemas: it reads no store.
  'GET /v1/openapi.json': { sample: { url: '/v1/openapi.json' }, store: false, cases: [] },
  'GET /v1/inbox': {
    sample: { url: '/v1/inbox' },
    cases: [
      ['an unknown state', { url: '/v1/inbox?state=lost' }, 'bad_request'],
      ['a limit out of range', { url: '/v1/inbox?limit=0' }, 'bad_request'],
    ],
  },
  'GET /v1/inbox/:id': {
    sample: { url: '/v1/inbox/1' },
    cases: [
      ['an id that is not a number', { url: '/v1/inbox/x' }, 'bad_request'],
      ['an unknown id', { url: '/v1/inbox/999999' }, 'not_found'],
      ['a NUL in the path', { url: '/v1/inbox/1%00' }, 'bad_request'],
    ],
  },
  'POST /v1/inbox/:id/reprocess': {
    sample: { url: '/v1/inbox/999999/reprocess' },
    cases: [
      ['an id that is not a number', { url: '/v1/inbox/-1/reprocess' }, 'bad_request'],
      ['an unknown id', { url: '/v1/inbox/999999/reprocess' }, 'not_found'],
      ['a row that is not quarantined', { url: '/v1/inbox/1/reprocess' }, 'conflict'],
    ],
  },
  'POST /v1/inbox/reprocess': { sample: { url: '/v1/inbox/reprocess' }, cases: [] },
  'GET /v1/requests': {
    sample: { url: '/v1/requests' },
    cases: [['a cursor that is not a number', { url: '/v1/requests?before=x' }, 'bad_request']],
  },
  'GET /v1/events': {
    sample: { url: '/v1/events' },
    cases: [
      ['a cursor that is not one', { url: '/v1/events?after=-1' }, 'bad_request'],
      ['a NUL in the query', { url: '/v1/events?types=a%00' }, 'bad_request'],
    ],
  },
  'GET /v1/events/stream': {
    sample: { url: '/v1/events/stream?after=bad' },
    // The stream answers 200 before it reads the store; a failure then ends the stream.
    store: false,
    cases: [['a cursor that is not one', { url: '/v1/events/stream?after=x' }, 'bad_request']],
  },
  'GET /v1/messages': {
    sample: { url: '/v1/messages' },
    cases: [
      ['a since that is no time', { url: '/v1/messages?since=soon' }, 'bad_request'],
      ['a cursor not handed out', { url: '/v1/messages?before=abc' }, 'bad_request'],
    ],
  },
  'GET /v1/messages/:wamid': {
    sample: { url: '/v1/messages/wamid.unknown' },
    cases: [['an unknown wamid', { url: '/v1/messages/wamid.unknown' }, 'not_found']],
  },
  'POST /v1/erasure': {
    sample: { url: '/v1/erasure', headers: JSON_HEADERS, payload: { wa_id: '4915112345678' } },
    cases: [
      ['neither wa_id nor user_id', { headers: JSON_HEADERS, payload: {} }, 'bad_request'],
      ['a body that is not JSON', { headers: JSON_HEADERS, payload: '{"wa_id":' }, 'bad_request'],
    ],
  },
  'POST /v1/subscriptions': {
    sample: {
      url: '/v1/subscriptions',
      headers: JSON_HEADERS,
      payload: { url: 'http://127.0.0.1:9/hook', events: ['*'] },
    },
    cases: [
      ['no body', {}, 'bad_request'],
      [
        'a url that is not one',
        { headers: JSON_HEADERS, payload: { url: 'nope', events: ['*'] } },
        'bad_request',
      ],
      ['an empty JSON body', { headers: JSON_HEADERS, payload: '' }, 'bad_request'],
      [
        'a body that is not JSON',
        { headers: { ...ADMIN, 'content-type': 'application/xml' }, payload: '<url/>' },
        'unsupported_media_type',
      ],
      [
        'a body over 1 MiB',
        { headers: JSON_HEADERS, payload: JSON.stringify({ url: 'x'.repeat(1024 * 1024) }) },
        'body_too_large',
      ],
    ],
  },
  'GET /v1/subscriptions': { sample: { url: '/v1/subscriptions' }, cases: [] },
  'GET /v1/subscriptions/:id': {
    sample: { url: '/v1/subscriptions/sub_unknown' },
    cases: [['an unknown id', { url: '/v1/subscriptions/sub_unknown' }, 'not_found']],
  },
  'PATCH /v1/subscriptions/:id': {
    sample: { url: '/v1/subscriptions/sub_unknown', headers: JSON_HEADERS, payload: { enabled: false } },
    cases: [
      ['an unknown id', { headers: JSON_HEADERS, payload: { enabled: false } }, 'not_found'],
      ['an unknown field', { headers: JSON_HEADERS, payload: { colour: 'red' } }, 'bad_request'],
      ['no body', {}, 'bad_request'],
    ],
  },
  'POST /v1/subscriptions/:id/test': {
    sample: { url: '/v1/subscriptions/sub_unknown/test' },
    cases: [['an unknown id', { url: '/v1/subscriptions/sub_unknown/test' }, 'not_found']],
  },
  'DELETE /v1/subscriptions/:id': {
    sample: { url: '/v1/subscriptions/sub_unknown' },
    cases: [['an unknown id', { url: '/v1/subscriptions/sub_unknown' }, 'not_found']],
  },
  'GET /v1/dead-letters': {
    sample: { url: '/v1/dead-letters' },
    cases: [['an unknown filter', { url: '/v1/dead-letters?colour=red' }, 'bad_request']],
  },
  'GET /v1/dead-letters/:id': {
    sample: { url: '/v1/dead-letters/1' },
    cases: [
      ['an id that is not a number', { url: '/v1/dead-letters/x' }, 'bad_request'],
      ['an unknown id', { url: '/v1/dead-letters/999999' }, 'not_found'],
    ],
  },
  'POST /v1/dead-letters/replay': {
    sample: { url: '/v1/dead-letters/replay', headers: JSON_HEADERS, payload: { ids: [1] } },
    cases: [
      ['an unknown field', { headers: JSON_HEADERS, payload: { colour: 'red' } }, 'bad_request'],
      ['a NUL in the body', { headers: JSON_HEADERS, payload: { error: 'a\u0000' } }, 'bad_request'],
    ],
  },
  'POST /v1/messages': {
    sample: { url: '/v1/messages', headers: JSON_HEADERS, payload: sendBody('+4915112345678') },
    // No WAHOOK_GRAPH_ACCESS_TOKEN here: a valid send stops at send_not_configured, before the store.
    store: false,
    cases: [
      ['no body', {}, 'bad_request'],
      ['neither to nor recipient', { headers: JSON_HEADERS, payload: { message: {} } }, 'bad_request'],
      ['a number that is none', { headers: JSON_HEADERS, payload: sendBody('12') }, 'invalid_recipient'],
      [
        'a send without Graph API settings',
        { headers: JSON_HEADERS, payload: sendBody('+4915112345678') },
        'send_not_configured',
      ],
    ],
  },
  'GET /v1/sends/:id': {
    sample: { url: '/v1/sends/snd_unknown' },
    cases: [['an unknown id', { url: '/v1/sends/snd_unknown' }, 'not_found']],
  },
  'PUT /v1/messages/:wamid/metadata': {
    sample: { url: '/v1/messages/wamid.x/metadata', headers: JSON_HEADERS, payload: { guest_id: 'g-17' } },
    cases: [['metadata that is no object', { headers: JSON_HEADERS, payload: '[1]' }, 'bad_request']],
  },
  'GET /v1/deliveries': {
    sample: { url: '/v1/deliveries' },
    cases: [
      ['an unknown state', { url: '/v1/deliveries?state=lost' }, 'bad_request'],
      ['a cursor that is not one', { url: '/v1/deliveries?after=x' }, 'bad_request'],
    ],
  },
};

let server: TestServer;

/** The request log is written in batches: wait until the refusal is there. */
async function waitForRejection(reason: string): Promise<{ status: number; hints: string[] }> {
  let found: { status: number; hints: string[] } | undefined;
  await waitFor(async () => {
    const answer = await inject({ method: 'GET', url: '/v1/requests', headers: ADMIN });
    const rows = answer.json<{ requests: { reason: string; status: number; hints: string[] }[] }>().requests;
    found = rows.find((row) => row.reason === reason);
    return found !== undefined;
  }, `a ${reason} row in the request log`);
  return found!;
}
const inject = (options: InjectOptions) => server.server.app.inject(options);

function requestFor(key: string, request: Request): InjectOptions {
  const [method, path] = key.split(' ') as [InjectOptions['method'], string];
  const sample = ROUTES[key]!.sample;
  const isAdmin = path.startsWith('/v1/');
  return {
    method,
    url: request.url ?? sample.url,
    ...request,
    headers: { ...(isAdmin ? ADMIN : {}), ...request.headers },
  } as InjectOptions;
}

/** The answer is the registry's: its status for the code, the one body shape, documented. */
function expectRegistryAnswer(response: LightMyRequestResponse, code: string, what: string): void {
  const body = response.json() as Record<string, unknown>;
  expect(body.error, what).toBe(code);
  const registry = code in ERROR_CODES ? ERROR_CODES[code as keyof typeof ERROR_CODES] : undefined;
  const rejection =
    code in WEBHOOK_REJECTIONS ? WEBHOOK_REJECTIONS[code as keyof typeof WEBHOOK_REJECTIONS] : undefined;
  expect(registry ?? rejection, `${code} is in the registry`).toBeDefined();
  expect(response.statusCode, what).toBe((registry ?? rejection)!.http);
  expect(DOCUMENTED.get(code), `${code} in docs/errors.md`).toBe(response.statusCode);
  expect(typeof body.message, what).toBe('string');
  if (registry) expect(typeof body.hint, what).toBe('string');
  expect(
    Object.keys(body).filter((key) => !['error', 'message', 'hint', 'hints', 'status'].includes(key)),
  ).toEqual([]);
  expect(JSON.stringify(body)).not.toMatch(/FST_ERR/);
}

beforeAll(async () => {
  server = await startTestServer({
    stages: createStages,
    env: {
      // No worker: the row the webhook sample stores stays pending, so reprocessing it is a conflict.
      WAHOOK_ROLES: 'receiver',
      WAHOOK_MAX_BODY_BYTES: String(MAX_BODY),
      WAHOOK_HEADER_AUTH: 'd360=Authorization:Bearer s3cret',
    },
  });
  // Inbox row 1, pending for good: there is no worker.
  expect(
    (await inject(requestFor('POST /webhooks/whatsapp', ROUTES['POST /webhooks/whatsapp']!.sample)))
      .statusCode,
  ).toBe(200);
});
afterAll(async () => {
  await server?.cleanup();
});

describe('HTTP error answers', () => {
  it('has error cases for every registered route, and only for those', () => {
    // The dashboard's pages are HTML for a browser, with error pages of their own, not this API.
    const registered = registeredRoutes(server.server.app)
      .filter((route) => !route.path.startsWith('/dashboard'))
      .map((route) => `${route.method} ${route.path}`);
    expect(
      registered.filter((key) => !(key in ROUTES)),
      'routes without an entry in ROUTES',
    ).toEqual([]);
    expect(
      Object.keys(ROUTES).filter((key) => !registered.includes(key)),
      'entries of no route',
    ).toEqual([]);
  });

  it.each(
    Object.entries(ROUTES).flatMap(([key, route]) =>
      route.cases.map(
        ([what, request, code]) => [`${key}: ${what} answers ${code}`, key, what, request, code] as const,
      ),
    ),
  )('%s', async (_title, key, what, request, code) => {
    expectRegistryAnswer(await inject(requestFor(key, request)), code, `${key}: ${what}`);
  });

  it.each(Object.keys(ROUTES).filter((key) => key.split(' ')[1]!.startsWith('/v1/')))(
    '%s answers 401 unauthorized without the admin token',
    async (key) => {
      const response = await inject({ ...requestFor(key, ROUTES[key]!.sample), headers: {} });
      expectRegistryAnswer(response, 'unauthorized', key);
      expect(response.headers['www-authenticate']).toBe('Bearer');
    },
  );

  it('answers an unknown route not_found, in the same shape', async () => {
    expectRegistryAnswer(
      await inject({ method: 'GET', url: '/v1/nothing-here', headers: ADMIN }),
      'not_found',
      '/v1',
    );
    expectRegistryAnswer(await inject({ method: 'PUT', url: '/webhooks/whatsapp' }), 'not_found', 'PUT');
  });

  it('keeps a webhook refused by the error handler in the request log, under the code it answered', async () => {
    await inject({ method: 'POST', url: '/webhooks/whatsapp', ...signed('y'.repeat(MAX_BODY + 1)) });
    const logged = await waitForRejection('body_too_large');
    expect(logged.status).toBe(413);
    expect(logged.hints.join(' ')).toContain('WAHOOK_MAX_BODY_BYTES');
  });

  describe('once the store fails', () => {
    beforeAll(async () => {
      await server.server.store.close();
    });

    it.each(Object.keys(ROUTES).filter((key) => ROUTES[key]!.store !== false))(
      '%s answers 503 store_unavailable with Retry-After and no database text',
      async (key) => {
        const response = await inject(requestFor(key, ROUTES[key]!.sample));
        expectRegistryAnswer(response, 'store_unavailable', key);
        expect(response.headers['retry-after']).toBe('5');
        expect(response.body).not.toMatch(/is closed|not open|SqliteError/);
      },
    );

    it('GET /readyz answers 503 not_ready in the same shape', async () => {
      const response = await inject({ method: 'GET', url: '/readyz' });
      expectRegistryAnswer(response, 'store_unavailable', '/readyz');
      expect(response.json()).toMatchObject({ status: 'not_ready' });
    });
  });
});
