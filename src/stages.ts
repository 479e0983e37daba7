import type { FastifyInstance } from 'fastify';
import { deadLetterRoutes } from './admin/dead-letter-routes.js';
import { deliveryRoutes } from './admin/delivery-routes.js';
import { erasureRoutes } from './admin/erasure-routes.js';
import { eventRoutes } from './admin/event-routes.js';
import { eventStreamRoutes } from './admin/event-stream-routes.js';
import { messageRoutes } from './admin/message-routes.js';
import { sendRoutes } from './admin/send-routes.js';
import { subscriptionRoutes } from './admin/subscription-routes.js';
import { createBackgroundStage } from './background/stage.js';
import { createDeliveryStage } from './deliver/stage.js';
import { createProcessingWorker } from './process/worker.js';
import { createJanitor } from './retention/janitor.js';
import { retentionPolicy } from './retention/policy.js';
import { createSender } from './send/create-sender.js';
import { createStuckStage } from './send/stuck-stage.js';
import type { StageContext } from './server.js';
import type { Stage } from './stage.js';

/**
 * The stages of `wahook serve`. When the receiver shares the process with processing or delivery,
 * those two run in a background thread (background/thread.ts) with their own store connection:
 * on the receiver's event loop, their work would hold acks back. This thread keeps the receiver
 * and every route; the thread's bus events are emitted here as well.
 */
export function createServeStages(context: StageContext): Stage[] {
  const background = context.roles.filter((role) => role === 'worker' || role === 'delivery');
  if (!context.roles.includes('receiver') || background.length === 0) return createStages(context);
  const thread = createBackgroundStage(context, background);
  const here = context.roles.filter((role) => role !== 'worker' && role !== 'delivery');
  return [...createStages({ ...context, roles: here }), thread];
}

/**
 * The background stages for the roles this process runs. The query API over what processing
 * writes (events, messages) is served by every process, whatever its roles.
 */
export function createStages(context: StageContext): Stage[] {
  const stages: Stage[] = [
    {
      name: 'queries',
      adminPlugins: [
        async (app: FastifyInstance) => {
          await app.register(eventRoutes, { store: context.store });
          await app.register(messageRoutes, { store: context.store });
          await app.register(erasureRoutes({ store: context.store, clock: context.clock, bus: context.bus }));
        },
      ],
      // Routes only: nothing runs in the background.
      start: () => undefined,
      stop: async () => undefined,
    },
  ];
  // Sending is an API call, not a loop: every process serves it, whatever its roles.
  const sender = createSender(context.config, context);
  stages.push({
    name: 'send',
    adminPlugins: [sendRoutes({ sender, store: context.store, clock: context.clock })],
    start: () => undefined,
    stop: () => sender.close(),
  });
  if (context.roles.includes('worker')) {
    stages.push(
      createProcessingWorker({
        store: context.store,
        bus: context.bus,
        clock: context.clock,
        wakeups: context.wakeups,
        leaseMs: context.config.workerLeaseMs,
        batchSize: context.config.workerBatchSize ?? defaultBatchSize(context.roles),
      }),
      // The janitor rides with the worker role: every deployment runs at least one worker, and on
      // PostgreSQL the janitors of several workers share the batches (SKIP LOCKED).
      createJanitor({
        store: context.store,
        policy: retentionPolicy(context.config),
        intervalMs: context.config.retentionIntervalMs,
        bus: context.bus,
        clock: context.clock,
      }),
      createStuckStage({
        store: context.store,
        clock: context.clock,
        bus: context.bus,
        options: {
          sentAfterMs: context.config.stuckSentAfterMs,
          deliveredAfterMs: context.config.stuckDeliveredAfterMs,
        },
      }),
    );
  }
  // ⑤ delivery: the API (subscriptions, dead letters, event stream) in every process, the loop with role delivery
  const delivery = createDeliveryStage({
    config: context.config,
    runLoop: context.roles.includes('delivery'),
    store: context.store,
    bus: context.bus,
    clock: context.clock,
    wakeups: context.wakeups,
    logger: context.logger,
  });
  stages.push({
    ...delivery,
    adminPlugins: [
      subscriptionRoutes({
        store: context.store,
        clock: context.clock,
        allowPrivate: context.config.deliveryAllowPrivate ?? false,
        timeoutMs: context.config.deliveryTimeoutMs,
      }),
      deadLetterRoutes({ store: context.store, clock: context.clock, wakeups: context.wakeups }),
      deliveryRoutes({ store: context.store }),
      eventStreamRoutes({ store: context.store, wakeups: context.wakeups }),
    ],
  });
  return stages;
}

/**
 * A batch is written in one synchronous stretch of the event loop (about 0.1 ms a row): beside the
 * receiver, 200 rows keep that within its latency budget; a worker on its own takes 500, which
 * bench:process measured about 13 % faster.
 */
export function defaultBatchSize(roles: readonly string[]): number {
  return roles.includes('receiver') ? 200 : 500;
}
