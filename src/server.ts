import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import type { Config } from './config/load.js';
import {
  checkFakeGraphAllowed,
  resolveSecrets,
  type Secrets,
  withFakeGraphTarget,
  withLocalModeDefaults,
} from './config/local-mode.js';
import type { Role } from './config/settings.js';
import { summarizeConfig } from './config/summary.js';
import { WahookError } from './errors.js';
import { type InProcessFakeGraph, startInProcessFakeGraph } from './fake-graph/in-process.js';
import { GroupCommitter, INBOX_GROUP_COMMIT } from './inbox/group-commit.js';
import { type Clock, systemClock } from './lib/clock.js';
import type { Wakeups } from './lib/wakeups.js';
import { Bus, wakeupsReportingTo } from './observe/bus.js';
import { registerDeliveryMetrics } from './observe/delivery-metrics.js';
import { logBusEvents } from './observe/log-events.js';
import { createLogger } from './observe/logger.js';
import { createMetrics } from './observe/metrics.js';
import { registerProcessMetrics } from './observe/process-metrics.js';
import { registerRetentionMetrics } from './observe/retention-metrics.js';
import { registerSendMetrics } from './observe/send-metrics.js';
import { startWaitingServer, type WaitingServer } from './ops/waiting-server.js';
import { RejectedRecorder } from './receive/rejected-recorder.js';
import { WEBHOOK_PATH } from './receive/webhook-routes.js';
import { retentionPolicy } from './retention/policy.js';
import { createSender } from './send/create-sender.js';
import type { Stage } from './stage.js';
import { markingFailures } from './store/failures.js';
import { openStoreWhenReachable } from './store/open-store.js';
import type { Store } from './store/ports.js';

/**
 * Wires the concrete pieces of `wahook serve` for the roles this process runs. Everything that
 * differs between tests and production (config, clock, log destination, extra stages) comes in as
 * an argument.
 */
export interface RunningServer {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly bus: Bus;
  readonly secrets: Secrets;
  readonly url: string;
  /** The fake Graph API this process sends through (WAHOOK_FAKE_GRAPH, local mode only). */
  readonly fakeGraph?: { readonly url: string; readonly phoneNumberIds: readonly string[] };
  stop(): Promise<void>;
}

export interface ServerOptions {
  clock?: Clock;
  logger?: Logger;
  /** Builds the background stages for the roles; the default builds processing and delivery. */
  stages?: (context: StageContext) => Stage[];
  /** Settles when the process is asked to stop; ends the wait for a store that cannot be reached. */
  stopSignal?: Promise<unknown>;
}

export interface StageContext {
  config: Config;
  roles: readonly Role[];
  store: Store;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  /** This process's wake-ups (lib/wakeups.ts): the receiver's commits, processing's events, replays. */
  wakeups: Wakeups;
}

export async function startServer(given: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const secrets = resolveSecrets(given);
  let config = withLocalModeDefaults(given, secrets);
  checkFakeGraphAllowed(config, secrets);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  let waiting: WaitingServer | undefined;
  const opened = await openStoreWhenReachable(config.databaseUrl, {
    sqlite: { walLimitBytes: config.sqliteWalLimitBytes, diskReserveBytes: config.diskReserveBytes },
    stopped: options.stopSignal,
    onWaiting: async (reason) => {
      if (waiting) {
        if (waiting.reason !== reason) logger.warn({ reason }, 'still waiting for the store');
        waiting.reason = reason;
        return;
      }
      waiting = await startWaitingServer({ ...config, reason }).catch((err: unknown) => {
        throw listenError(err, config);
      });
      logger.warn(
        { url: waiting.url, reason },
        'waiting for the store: /healthz says why, the rest answers 503',
      );
    },
  }).catch(async (err: unknown) => {
    await waiting?.close();
    throw err;
  });
  // Every part shares one store whose failures the HTTP layer can tell from bugs (503, not 500).
  const store = markingFailures(opened);
  // Started before the sender is built, so that it sends to it.
  let fakeGraph: InProcessFakeGraph | undefined;
  if (config.fakeGraph) {
    fakeGraph = await startInProcessFakeGraph(clock).catch(async (err: unknown) => {
      await store.close();
      throw err;
    });
    config = withFakeGraphTarget(config, fakeGraph);
  }
  const bus = new Bus();
  const wakeups = wakeupsReportingTo(bus);
  const registry = createMetrics(bus, store);
  registerProcessMetrics(bus, registry);
  registerDeliveryMetrics(registry, bus, store, clock);
  registerRetentionMetrics(registry, bus, store, retentionPolicy(config), clock);
  registerSendMetrics(registry, bus);
  logBusEvents(bus, logger, clock);
  const roles = config.roles;
  const committer = new GroupCommitter(
    (rows) => store.appendInboxBatch(rows),
    INBOX_GROUP_COMMIT,
    bus,
    wakeups,
  );
  const rejected = new RejectedRecorder(store, bus, {
    maxRows: config.rejectedLogMaxRows,
    maxBuffered: 1_000,
    flushMs: 1_000,
  });
  // Sending is an API call, not a loop: every process serves it, whatever its roles.
  const sender = createSender(config, { store, clock, bus });
  const stages = (options.stages ?? (() => []))({
    config,
    roles,
    store,
    bus,
    clock,
    logger,
    wakeups,
  });

  // The loop's breakers live in its memory; the bus tells every change, so /v1/stats can show them.
  const breakers = new Map<string, string>();
  if (roles.includes('delivery')) {
    bus.on('delivery:breaker', (event) => breakers.set(event.subscriptionId, event.state));
  }
  const app = await buildApp({
    ...(roles.includes('delivery') ? { breakerState: (id: string) => breakers.get(id) ?? 'closed' } : {}),
    logger,
    bus,
    clock,
    registry,
    store,
    wakeups,
    adminToken: secrets.adminToken,
    ...(roles.includes('receiver')
      ? {
          webhook: {
            appSecrets: secrets.appSecrets,
            verifyToken: secrets.verifyToken,
            headerAuth: config.headerAuth,
            maxBodyBytes: config.maxBodyBytes,
            inbox: committer,
            rejected,
          },
        }
      : {}),
    sender,
    deliveryAllowPrivate: config.deliveryAllowPrivate ?? false,
    deliveryTimeoutMs: config.deliveryTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    headersTimeoutMs: config.headersTimeoutMs,
  });

  try {
    // The waiting server gives the port up only now, so the gap without a listener stays short;
    // with port 0 it picked the port already, and keeping it keeps the logged URL true.
    await waiting?.close();
    await app.listen({ host: config.host, port: waiting?.port ?? config.port });
  } catch (err) {
    await fakeGraph?.close();
    await Promise.all(stages.map((stage) => stage.stop()));
    await sender.close();
    await store.close();
    throw listenError(err, config);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  fakeGraph?.aimAt(`${url}${WEBHOOK_PATH}`, secrets.appSecrets[0] ?? '');
  for (const stage of stages) stage.start();
  logger.info(
    { settings: summarizeConfig(config, secrets), roles, url, localMode: secrets.localMode },
    'wahook started',
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      // Order matters: stop taking requests (in-flight ones finish and get their answers), flush
      // their commits, let the loops finish their batch, then close the store.
      // The fake's pending status webhooks would only meet a closed receiver.
      await fakeGraph?.close();
      await app.close();
      await committer.drain();
      await rejected.close();
      await Promise.all(stages.map((stage) => stage.stop()));
      await sender.close();
      await store.close();
      logger.info('wahook stopped');
      logger.flush?.();
    })();
    return stopping;
  };

  return {
    app,
    store,
    bus,
    secrets,
    url,
    ...(fakeGraph ? { fakeGraph: { url: fakeGraph.url, phoneNumberIds: fakeGraph.phoneNumberIds } } : {}),
    stop,
  };
}

/** The two ways listening fails that a user can fix, said in their words. */
function listenError(err: unknown, config: Config): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new WahookError('config_invalid', `port ${config.port} on ${config.host} is already in use`, {
      hint: 'Stop the other process on that port, or set WAHOOK_PORT to a free port (0 picks one).',
    });
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES') {
    return new WahookError('config_invalid', `cannot listen on ${config.host}:${config.port} (${code})`, {
      hint: 'Set WAHOOK_HOST to an address of this machine (127.0.0.1, 0.0.0.0) and WAHOOK_PORT to a port above 1023.',
    });
  }
  return err;
}
