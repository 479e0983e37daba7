import type { FastifyPluginAsync } from 'fastify';

/**
 * A background part of the pipeline (processing, delivery) as the server composes it: routes it adds
 * to the admin API, a loop it starts, and a stop that finishes the work in hand.
 */
export interface Stage {
  readonly name: string;
  readonly adminPlugins?: readonly FastifyPluginAsync[];
  start(): void;
  stop(): Promise<void>;
}
