import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { httpAnswer, WahookError } from '../errors.js';
import type { Bus } from '../observe/bus.js';
import type { StoreHealth } from '../store/ports.js';

/**
 * Probes for orchestrators, without authentication. /readyz proves a write can happen now (it takes
 * the store's write lock), bounded in time so a hung store reads as not ready instead of hanging.
 */
export async function opsRoutes(
  app: FastifyInstance,
  options: { store: StoreHealth; registry: Registry; readyTimeoutMs: number; bus: Bus },
): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        options.store.checkWritable(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('store did not answer in time')), options.readyTimeoutMs);
        }),
      ]);
      options.bus.emit('readiness:ok', {});
      return { status: 'ready' };
    } catch (err) {
      // Logged through the bus as a failure streak: an orchestrator probing every second must not
      // write a line per probe while the disk is full.
      options.bus.emit('readiness:failed', { error: (err as Error).message });
      const answer = httpAnswer(new WahookError('store_unavailable', 'the store cannot write now'));
      return reply
        .code(answer.status)
        .headers(answer.headers)
        .send({ status: 'not_ready', ...answer.body });
    } finally {
      clearTimeout(timer);
    }
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await options.registry.metrics();
    return reply.type(options.registry.contentType).send(text);
  });
}
