import type { FastifyInstance } from 'fastify';
import { WahookError } from '../errors.js';

/**
 * Refuses admin requests whose path parameters, query or JSON body hold a NUL character. No id,
 * filter or field of the admin API can contain one, and PostgreSQL text cannot even compare with
 * one: the query would fail with a 500 (and an event stream reconnecting with it would fail every
 * two seconds). Runs for every route registered after it, in the same plugin.
 */
export function refuseNulCharacters(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [
      ['path', request.params],
      ['query', request.query],
      ['body', request.body],
    ] as const) {
      if (holdsNul(value, 0)) {
        throw new WahookError(
          'bad_request',
          `the request's ${part} holds a NUL character (\\u0000 or %00); remove it`,
        );
      }
    }
  });
}

/** Bounded by the body limit already; the depth bound keeps a hostile body from recursing far. */
function holdsNul(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object' || depth > 32) return false;
  for (const inner of Object.values(value)) if (holdsNul(inner, depth + 1)) return true;
  return false;
}
