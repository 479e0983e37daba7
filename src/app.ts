import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { requireAdminToken } from './admin/auth.js';
import { deadLetterRoutes } from './admin/dead-letter-routes.js';
import { deliveryRoutes } from './admin/delivery-routes.js';
import { erasureRoutes } from './admin/erasure-routes.js';
import { eventRoutes } from './admin/event-routes.js';
import { eventStreamRoutes } from './admin/event-stream-routes.js';
import { inboxRoutes } from './admin/inbox-routes.js';
import { messageRoutes } from './admin/message-routes.js';
import { refuseNulCharacters } from './admin/nul-guard.js';
import { openApiRoutes, registerOpenApi } from './admin/openapi.js';
import { sendRoutes } from './admin/send-routes.js';
import { subscriptionRoutes } from './admin/subscription-routes.js';
import { dashboardRoutes } from './dashboard/routes.js';
import { httpAnswer, toWahookError, WahookError } from './errors.js';
import type { Clock } from './lib/clock.js';
import type { Wakeups } from './lib/wakeups.js';
import type { Bus } from './observe/bus.js';
import { httpServerOptions } from './ops/http-server-options.js';
import { opsRoutes } from './ops/ops-routes.js';
import { WEBHOOK_PATH, type WebhookRouteOptions, webhookRoutes } from './receive/webhook-routes.js';
import type { Sender } from './send/sender.js';
import { isStoreFailure } from './store/failures.js';
import type { Store } from './store/ports.js';

export interface AppDeps {
  logger: Logger;
  bus: Bus;
  clock: Clock;
  registry: Registry;
  store: Store;
  /** What a mutation signals (a replay wakes delivery), from the API and the dashboard alike. */
  wakeups: Wakeups;
  adminToken: string;
  /** Present when this process has the receiver role; the bus and clock are the app's own. */
  webhook?: Omit<WebhookRouteOptions, 'bus' | 'clock'>;
  /** POST /v1/messages: every process serves it, whatever its roles. */
  sender: Sender;
  /** Per subscription, the breaker state of this process's delivery loop (role delivery only). */
  breakerState?: (subscriptionId: string) => string;
  /** WAHOOK_DELIVERY_ALLOW_PRIVATE, for subscriptions added through the API or the dashboard. */
  deliveryAllowPrivate?: boolean;
  /** WAHOOK_DELIVERY_TIMEOUT, the bound on a subscription's test event (API and dashboard). */
  deliveryTimeoutMs: number;
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
    http: httpServerOptions({
      headersTimeoutMs: deps.headersTimeoutMs ?? 5_000,
      requestTimeoutMs: deps.requestTimeoutMs ?? 10_000,
    }),
    bodyLimit: 1024 * 1024,
    // Requests arriving while the server closes get the registry's `shutting_down` (below), not
    // Fastify's own 503 body.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
  });

  // The one error handler: set before any plugin is registered, so every plugin inherits it (a
  // plugin keeps the handler it was registered under) and no plugin sets its own.
  app.setErrorHandler(answerError);
  // Zod validation and the OpenAPI collector, before any route (GET /v1/openapi.json).
  await registerOpenApi(app);

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
    // Closing ends the connections idle at that moment; one whose request was already in flight
    // goes idle only after its answer, kept alive, and would hold the close open for as long as
    // the client keeps it. Sweep again until the server has closed.
    const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
    sweep.unref();
    app.server.once('close', () => clearInterval(sweep));
  });
  // Synchronous, so that the check costs the webhook path no promise per request.
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    // A client that keeps sending on a kept-alive connection (Meta retrying, a proxy) would hold
    // the server open for good: closing only ends idle connections. This answer ends its own.
    reply.header('connection', 'close');
    done(new WahookError('shutting_down', 'the server is stopping'));
  });

  await app.register(opsRoutes, {
    store: deps.store,
    registry: deps.registry,
    readyTimeoutMs: 2_000,
    bus: deps.bus,
  });

  if (deps.webhook) {
    await app.register(webhookRoutes, { ...deps.webhook, bus: deps.bus, clock: deps.clock });
  }

  // Every admin route, in one list: each process serves all of them, whatever its roles, because
  // they read and write the store (a replay signals the wake-ups for a loop wherever it runs).
  await app.register(async (admin) => {
    requireAdminToken(admin, deps.adminToken);
    refuseNulCharacters(admin);
    const { store, clock, bus, wakeups } = deps;
    await admin.register(inboxRoutes, {
      store,
      now: () => clock.now(),
      ...(deps.breakerState ? { breakerState: deps.breakerState } : {}),
    });
    await admin.register(eventRoutes, { store });
    await admin.register(eventStreamRoutes({ store, wakeups }));
    await admin.register(messageRoutes, { store });
    await admin.register(sendRoutes({ sender: deps.sender, store, clock }));
    await admin.register(erasureRoutes({ store, clock, bus }));
    await admin.register(
      subscriptionRoutes({
        store,
        clock,
        allowPrivate: deps.deliveryAllowPrivate ?? false,
        timeoutMs: deps.deliveryTimeoutMs,
      }),
    );
    await admin.register(deadLetterRoutes({ store, clock, wakeups }));
    await admin.register(deliveryRoutes({ store }));
    await admin.register(openApiRoutes);
  });

  // The dashboard: the same store behind a browser session (or the same Bearer token).
  await app.register(async (dashboard) => {
    refuseNulCharacters(dashboard);
    await dashboard.register(
      dashboardRoutes({
        store: deps.store,
        bus: deps.bus,
        clock: deps.clock,
        wakeups: deps.wakeups,
        adminToken: deps.adminToken,
        allowPrivate: deps.deliveryAllowPrivate ?? false,
        deliveryTimeoutMs: deps.deliveryTimeoutMs,
        ...(deps.breakerState ? { breakerState: deps.breakerState } : {}),
      }),
    );
  });

  app.setNotFoundHandler(async (request) => {
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
    throw new WahookError('not_found', `no route for ${request.method} ${request.url.split('?')[0]}`, {
      hint: `Check the method and path: the webhook URL is ${WEBHOOK_PATH}, the admin API is under /v1 (docs/api.md).`,
    });
  });

  return app;
}

/**
 * Every error of every route, answered in the registry's words: `{error, message, hint}`, the
 * registry's status, Retry-After on a 503. A store failure is `store_unavailable`; anything else
 * unexpected is ours (`internal`), logged with its details while the client gets none of them.
 */
function answerError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const err =
    isStoreFailure(error) && !(error instanceof WahookError)
      ? new WahookError('store_unavailable', error.message, { cause: error })
      : toWahookError(error);
  if (err.httpStatus >= 500 && err.code !== 'shutting_down')
    request.log.error({ err: error }, 'request failed');
  const answer = httpAnswer(err);
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}
