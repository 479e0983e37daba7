import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance, FastifySchema } from 'fastify';
import {
  createJsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import { VERSION } from '../version.js';
import { successBody } from './route-schemas.js';

/**
 * GET /v1/openapi.json: the admin API as OpenAPI 3.1, generated from the `schema` option of each
 * /v1 route, the same zod schemas Fastify validates requests with, so the document cannot tell
 * of an input the server does not check. Only /v1 is described: the webhook receiver (called by
 * Meta, see docs/webhook-shapes.md), the dashboard's HTML pages and the probes are left out.
 * docs/openapi.json is this document as the server serves it (`npm run docs:openapi`).
 */

/** Every error answer of the API, in the words of the registry (src/errors.ts, docs/errors.md). */
export const errorAnswer = z
  // Loose: a failed send also carries Meta's error, explained (docs/sending.md).
  .looseObject({
    error: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    hint: z.string().optional(),
  })
  .meta({
    id: 'ErrorAnswer',
    description: 'An error answer: `error` is a code of docs/errors.md, with its HTTP status.',
  });

export const ADMIN_PREFIX = '/v1/';

const zodTransform = createJsonSchemaTransform({});

/**
 * Sets the zod compilers on the app and starts collecting routes for the document; must run
 * before any route is registered (the collector sees only routes added after it).
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'wahook admin API',
        version: VERSION,
        description:
          'The admin and query API of wahook under /v1. Every route takes `Authorization: Bearer <WAHOOK_ADMIN_TOKEN>`; every error answer is `{"error","message","hint"}` with a code of docs/errors.md.',
      },
      components: {
        securitySchemes: {
          adminToken: {
            type: 'http',
            scheme: 'bearer',
            description:
              'WAHOOK_ADMIN_TOKEN (in local mode, printed by `wahook serve` and kept in the data folder)',
          },
        },
      },
      security: [{ adminToken: [] }],
    },
    transform: (document) => {
      if (!document.url.startsWith(ADMIN_PREFIX))
        return { schema: { hide: true } as FastifySchema, url: document.url };
      const schema = document.schema ?? {};
      const response = (schema.response ?? {
        200: successBody('the answer, as docs/api.md describes it'),
      }) as object;
      const transformed = zodTransform({
        ...document,
        schema: { ...schema, response: { ...response, '4xx': errorAnswer, '5xx': errorAnswer } },
      });
      const responses = transformed.schema.response as Record<string, object>;
      responses['4xx'] = { ...responses['4xx'], description: 'refused: the code says why (docs/errors.md)' };
      responses['5xx'] = {
        ...responses['5xx'],
        description: 'failed or unavailable: retry after Retry-After',
      };
      return transformed;
    },
    transformObject: (document) => withoutUnusedSchemas(jsonSchemaTransformObject(document)),
  });
}

/**
 * The zod transform lists every registered schema twice, as it reads (input) and as it is written
 * (output); the document keeps those that an operation refers to.
 */
function withoutUnusedSchemas<
  T extends { paths?: unknown; components?: { schemas?: Record<string, unknown> } },
>(document: T): T {
  const schemas = document.components?.schemas;
  if (!schemas) return document;
  const used = JSON.stringify(document.paths ?? {});
  const kept = Object.entries(schemas).filter(([id]) => used.includes(`"#/components/schemas/${id}"`));
  return { ...document, components: { ...document.components, schemas: Object.fromEntries(kept) } };
}

/** Serves the document behind the admin token, like the rest of /v1 (its registering plugin adds the hook). */
export async function openApiRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/v1/openapi.json',
    { schema: { summary: 'This document', tags: ['meta'], response: { 200: successBody('OpenAPI 3.1') } } },
    async () => app.swagger(),
  );
}
