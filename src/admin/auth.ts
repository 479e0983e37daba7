import type { FastifyInstance } from 'fastify';
import { WahookError } from '../errors.js';
import { secureEqual } from '../lib/secure-compare.js';

/** Every route registered after this hook, in the same plugin, requires the admin bearer token. */
export function requireAdminToken(app: FastifyInstance, token: string): void {
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    const given = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!given || !secureEqual(given, token)) {
      reply.header('www-authenticate', 'Bearer');
      throw new WahookError('unauthorized', 'send Authorization: Bearer <WAHOOK_ADMIN_TOKEN>');
    }
  });
}
