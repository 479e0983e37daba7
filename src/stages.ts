import type { BackgroundRole } from './background/messages.js';
import { createBackgroundStage } from './background/stage.js';
import { createDeliveryStage } from './deliver/stage.js';
import { createProcessingWorker } from './process/worker.js';
import { createJanitor } from './retention/janitor.js';
import { retentionPolicy } from './retention/policy.js';
import { createStuckStage } from './send/stuck-stage.js';
import type { StageContext } from './server.js';
import type { Stage } from './stage.js';

/**
 * The stages of `wahook serve`. When the receiver shares the process with processing or delivery,
 * each of those two runs in a background thread of its own (background/thread.ts) with its own
 * store connection: on the receiver's event loop their work would hold acks back, and in one
 * thread together each would wait for the other's synchronous stretches (a processing batch, a
 * turn of signatures and JSON), so the two cores would not both be used. This thread keeps the
 * receiver and every route; the threads' bus events are emitted here as well.
 */
export function createServeStages(context: StageContext): Stage[] {
  const background = context.roles.filter(
    (role): role is BackgroundRole => role === 'worker' || role === 'delivery',
  );
  if (!context.roles.includes('receiver') || background.length === 0) return createStages(context);
  const threads = background.map((role) => createBackgroundStage(context, role));
  const here = context.roles.filter((role) => role !== 'worker' && role !== 'delivery');
  return [...createStages({ ...context, roles: here }), ...threads];
}

/**
 * The background stages for the roles this process runs. The admin API is not here: every
 * process serves all of it (app.ts).
 */
export function createStages(context: StageContext): Stage[] {
  const stages: Stage[] = [];
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
        intervalMs: context.config.stuckScanIntervalMs,
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
  // ⑤ delivery: the subscriptions file in every process, the loop with role delivery
  stages.push(
    createDeliveryStage({
      config: context.config,
      runLoop: context.roles.includes('delivery'),
      store: context.store,
      bus: context.bus,
      clock: context.clock,
      wakeups: context.wakeups,
      logger: context.logger,
    }),
  );
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
