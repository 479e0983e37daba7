import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { requireAdminToken } from './admin/auth.js';
import { inboxRoutes } from './admin/inbox-routes.js';
import { refuseNulCharacters } from './admin/nul-guard.js';
import type { HeaderAuthSource } from './config/settings.js';
import { dashboardRoutes } from './dashboard/routes.js';
import { isWahookError } from './errors.js';
import type { Clock } from './lib/clock.js';
import type { Bus } from './observe/bus.js';
import { opsRoutes } from './ops/ops-routes.js';
import type { RejectedRecorder } from './receive/rejected-recorder.js';
import { WEBHOOK_PATH, webhookRoutes } from './receive/webhook-routes.js';
import type { InboxAppend, Store } from './store/ports.js';

export interface AppDeps {
  logger: Logger;
  bus: Bus;
  clock: Clock;
  registry: Registry;
  store: Store;
  adminToken: string;
  /** Present when this process has the receiver role. */
  webhook?: {
    appSecrets: readonly string[];
    verifyToken: string;
    headerAuth: readonly HeaderAuthSource[];
    maxBodyBytes: number;
    inbox: { append(row: InboxAppend): Promise<number> };
    rejected: RejectedRecorder;
  };
  /** Admin routes contributed by other stages (processing queries, subscriptions…), all behind the token. */
  adminPlugins?: readonly FastifyPluginAsync[];
  /** Per subscription, the breaker state of this process's delivery loop (role delivery only). */
  breakerState?: (subscriptionId: string) => string;
  /** WAHOOK_DELIVERY_ALLOW_PRIVATE, for subscriptions added from the dashboard. */
  deliveryAllowPrivate?: boolean;
  requestTimeoutMs?: number;
  headersTimeoutMs?: number;
}

/**
 * Builds the HTTP surface; never listens (tests use inject or listen on port 0). Each surface is its
 * own encapsulated plugin: the raw-body parser exists only on the webhook routes, and the admin
 * token hook only on /v1.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    requestTimeout: deps.requestTimeoutMs ?? 10_000,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  app.server.headersTimeout = deps.headersTimeoutMs ?? 5_000;

  // Set before any plugin is registered: a plugin keeps the error handler it was registered
  // under, and Fastify's default one answers with the error's own message (database text).
  app.setErrorHandler(answerError);

  await app.register(opsRoutes, {
    store: deps.store,
    registry: deps.registry,
    readyTimeoutMs: 2_000,
    bus: deps.bus,
  });

  if (deps.webhook) {
    await app.register(webhookRoutes, { ...deps.webhook, bus: deps.bus, clock: deps.clock });
  }

  await app.register(async (admin) => {
    requireAdminToken(admin, deps.adminToken);
    refuseNulCharacters(admin);
    await admin.register(inboxRoutes, {
      store: deps.store,
      now: () => deps.clock.now(),
      ...(deps.breakerState ? { breakerState: deps.breakerState } : {}),
    });
    for (const plugin of deps.adminPlugins ?? []) await admin.register(plugin);
  });

  // The dashboard: the same store behind a browser session (or the same Bearer token).
  await app.register(async (dashboard) => {
    refuseNulCharacters(dashboard);
    await dashboard.register(
      dashboardRoutes({
        store: deps.store,
        bus: deps.bus,
        clock: deps.clock,
        adminToken: deps.adminToken,
        allowPrivate: deps.deliveryAllowPrivate ?? false,
        ...(deps.breakerState ? { breakerState: deps.breakerState } : {}),
      }),
    );
  });

  app.setNotFoundHandler((request, reply) => {
    deps.webhook?.rejected.record({
      receivedAt: deps.clock.now(),
      method: request.method,
      path: (request.url.split('?')[0] ?? '').slice(0, 512),
      status: 404,
      reason: 'unknown_route',
      hints: request.url.startsWith('/webhook') ? [`the webhook URL is ${WEBHOOK_PATH}`] : [],
      headers: {},
      bodyPrefix: Buffer.alloc(0),
      bodyBytes: 0,
      remoteAddress: request.ip ?? null,
    });
    deps.bus.emit('webhook:rejected', { status: 404, reason: 'unknown_route', source: 'none' });
    return reply
      .code(404)
      .send({ error: 'not_found', message: `no route for ${request.method} ${request.url.split('?')[0]}` });
  });

  return app;
}

/**
 * Client mistakes keep their message (it says what to change); a WahookError answers with its
 * registry code; anything else is ours, and the client gets a short code while the details (a
 * database error, a stack) go to the log.
 */
function answerError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isWahookError(error)) {
    if (error.httpStatus >= 500) request.log.error({ err: error }, 'request failed');
    const message =
      error.httpStatus >= 500 ? 'the store cannot answer now; see the server log' : error.message;
    return reply.code(error.httpStatus).send({ error: error.code, message, hint: error.hint });
  }
  const status =
    error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  if (status === 500) {
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error; see the server log' });
  }
  return reply.code(status).send({ error: error.code ?? 'bad_request', message: error.message });
}
