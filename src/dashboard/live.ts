import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { BusEventName } from '../observe/bus.js';
import type { DashboardServices } from './routes.js';

/**
 * GET /dashboard/live: Server-Sent Events that say only *which* topics changed, at most once a
 * second per stream, so a page refetches what it shows (or offers to) instead of receiving rows.
 * The bus listeners only set flags: the ingest path does no work per stream. Streams are capped
 * per process, send a heartbeat, and end when the server closes.
 */
export const TOPICS: Record<string, readonly BusEventName[]> = {
  overview: [
    'webhook:accepted',
    'webhook:rejected',
    'process:row',
    'delivery:dead',
    'delivery:succeeded',
    'delivery:retry_scheduled',
  ],
  requests: ['webhook:rejected'],
  messages: ['process:row'],
  inbox: ['process:row'],
  deliveries: ['delivery:dead', 'delivery:succeeded', 'delivery:retry_scheduled'],
  subscriptions: ['delivery:breaker', 'delivery:dead'],
};

export const MAX_STREAMS = 32;
const FLUSH_MS = 1_000;
const HEARTBEAT_MS = 15_000;

export function liveRoutes(services: DashboardServices) {
  return async (app: FastifyInstance): Promise<void> => {
    const changed = new Set<string>();
    const streams = new Set<ServerResponse>();
    const offs = Object.entries(TOPICS).flatMap(([topic, events]) =>
      events.map((event) => services.deps.bus.on(event, () => changed.add(topic))),
    );
    let quietMs = 0;
    const timer = setInterval(() => {
      quietMs += FLUSH_MS;
      if (changed.size === 0 && quietMs < HEARTBEAT_MS) return;
      const text =
        changed.size === 0 ? ': heartbeat\n\n' : `data: ${JSON.stringify({ topics: [...changed] })}\n\n`;
      changed.clear();
      quietMs = 0;
      for (const res of streams) if (!res.writableNeedDrain) res.write(text);
    }, FLUSH_MS);
    timer.unref();
    app.addHook('preClose', async () => {
      for (const res of streams) res.end();
    });
    app.addHook('onClose', async () => {
      clearInterval(timer);
      for (const off of offs) off();
    });

    app.get('/dashboard/live', async (_request, reply) => {
      if (streams.size >= MAX_STREAMS) {
        return reply
          .code(503)
          .header('retry-after', '30')
          .type('text/plain; charset=utf-8')
          .send('too many live streams');
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
        'x-content-type-options': 'nosniff',
      });
      res.write('retry: 5000\n\n');
      streams.add(res);
      res.on('close', () => streams.delete(res));
    });
  };
}
