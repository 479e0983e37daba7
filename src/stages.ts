import type { FastifyInstance } from 'fastify';
import { eventRoutes } from './admin/event-routes.js';
import { messageRoutes } from './admin/message-routes.js';
import { createProcessingWorker } from './process/worker.js';
import type { StageContext } from './server.js';
import type { Stage } from './stage.js';

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
        },
      ],
      // Routes only: nothing runs in the background.
      start: () => undefined,
      stop: async () => undefined,
    },
  ];
  if (context.roles.includes('worker')) {
    stages.push(
      createProcessingWorker({
        store: context.store,
        bus: context.bus,
        clock: context.clock,
        leaseMs: context.config.workerLeaseMs,
        subscribeWake: (wake) => context.onInboxCommitted(wake),
      }),
    );
  }
  return stages;
}
