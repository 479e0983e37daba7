import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStages } from '../../src/stages.js';
import { VERSION } from '../../src/version.js';
import { httpRequest, startTestServer, type TestServer } from '../helpers/server.js';
import { TEST_ADMIN_TOKEN } from '../helpers/signing.js';

/**
 * GET /v1/openapi.json against a real server: OpenAPI 3.1 in shape, every /v1 route in it with its
 * method (routes seen through Fastify's onRoute hook, so a route added anywhere is counted), and
 * docs/openapi.json the same document, byte for byte, as `npm run docs:openapi` writes it.
 */
interface Document {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { responses?: Record<string, unknown>; security?: unknown }>>;
  components: { securitySchemes: Record<string, { type: string; scheme?: string }>; schemas?: object };
  security: Record<string, string[]>[];
}

const ADMIN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

let server: TestServer;
let served: Document;
let servedText: string;
const routes: { method: string; url: string }[] = [];

/** Every app made while the server starts gets a hook that records each route it registers. */
function recordRoutes(message: unknown): void {
  const { fastify } = message as { fastify: FastifyInstance };
  fastify.addHook('onRoute', (route: RouteOptions) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
}

beforeAll(async () => {
  subscribe('fastify.initialization', recordRoutes);
  try {
    server = await startTestServer({ stages: createStages, env: { WAHOOK_ROLES: 'receiver' } });
  } finally {
    unsubscribe('fastify.initialization', recordRoutes);
  }
  const answer = await httpRequest(`${server.url}/v1/openapi.json`, { headers: ADMIN });
  expect(answer.status).toBe(200);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  servedText = answer.body.toString('utf8');
  served = JSON.parse(servedText) as Document;
});
afterAll(async () => {
  await server?.cleanup();
});

/** `/v1/inbox/:id` as OpenAPI writes it: `/v1/inbox/{id}`. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('GET /v1/openapi.json', () => {
  it('answers 401 without the admin token, like the rest of /v1', async () => {
    const answer = await httpRequest(`${server.url}/v1/openapi.json`);
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body.toString('utf8'))).toMatchObject({ error: 'unauthorized' });
  });

  it('is OpenAPI 3.1 with the package version and a bearer security scheme for every operation', () => {
    expect(served.openapi).toMatch(/^3\.1\.\d+$/);
    expect(served.info.version).toBe(VERSION);
    expect(served.info.title).toBeTruthy();
    const schemes = Object.entries(served.components.securitySchemes);
    expect(schemes).toHaveLength(1);
    const [name, scheme] = schemes[0]!;
    expect(scheme).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(served.security).toEqual([{ [name]: [] }]);
    for (const [path, item] of Object.entries(served.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        expect(METHODS, `${method} ${path}`).toContain(method);
        // No operation opts out of the token (an empty `security` would).
        expect(operation.security, `${method} ${path}`).toBeUndefined();
        const statuses = Object.keys(operation.responses ?? {});
        expect(
          statuses.some((status) => /^2/.test(status)),
          `${method} ${path} has a success answer`,
        ).toBe(true);
        expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(['4XX', '5XX']));
      }
    }
  });

  it('lists every route registered under /v1 with its method, and nothing else', () => {
    const registered = routes
      .filter((route) => route.url.startsWith('/v1/') && route.method !== 'HEAD')
      .map((route) => `${route.method.toLowerCase()} ${openApiPath(route.url)}`);
    expect(registered.length).toBeGreaterThan(20);
    const documented = Object.entries(served.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method} ${path}`),
    );
    expect(
      documented.filter((key) => !registered.includes(key)),
      'documented but not served',
    ).toEqual([]);
    expect(
      registered.filter((key) => !documented.includes(key)),
      'served but not documented',
    ).toEqual([]);
  });

  it('leaves out the webhook receiver, the dashboard and the probes', () => {
    const elsewhere = routes.filter((route) => !route.url.startsWith('/v1/')).map((route) => route.url);
    expect(elsewhere).toEqual(expect.arrayContaining(['/webhooks/whatsapp', '/dashboard', '/healthz']));
    expect(Object.keys(served.paths).filter((path) => !path.startsWith('/v1/'))).toEqual([]);
  });

  it('describes a route from the schema it validates with', () => {
    const inbox = served.paths['/v1/inbox']?.get as { parameters?: { name: string; schema: object }[] };
    expect(inbox.parameters?.find((parameter) => parameter.name === 'state')?.schema).toEqual({
      type: 'string',
      enum: ['pending', 'processed', 'quarantined'],
    });
    const create = served.paths['/v1/subscriptions']?.post as {
      requestBody?: {
        content: Record<string, { schema: { required?: string[]; additionalProperties?: unknown } }>;
      };
    };
    const body = create.requestBody?.content['application/json']?.schema;
    expect(body?.required).toEqual(['url']);
    expect(body?.additionalProperties).toBe(false);
    // And a success answer from the schema its body is written with.
    const erasure = served.paths['/v1/erasure']?.post as {
      responses: Record<
        string,
        { content?: Record<string, { schema: { properties?: Record<string, unknown> } }> }
      >;
    };
    const erased = erasure.responses['200']?.content?.['application/json']?.schema.properties?.erased as {
      required?: string[];
    };
    expect(erased.required).toEqual(expect.arrayContaining(['messages', 'events', 'sends']));
  });

  it('is what docs/openapi.json holds (run `npm run docs:openapi` after changing a route)', () => {
    const written = readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8');
    expect(written).toBe(`${JSON.stringify(served, null, 2)}\n`);
  });
});
