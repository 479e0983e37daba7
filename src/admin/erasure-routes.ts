import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { WahookError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { describeIssues } from '../lib/describe-issues.js';
import type { Bus } from '../observe/bus.js';
import type { RetentionStore } from '../store/retention-ports.js';

/**
 * POST /v1/erasure: removes every stored trace of one person, named by phone number (`wa_id`) or
 * BSUID (`user_id`), and answers what it removed per class. The store keeps a log of when and how
 * much; nothing here logs or answers who (docs/privacy.md).
 */
const erasureBody = z.union([
  z.strictObject({
    wa_id: z
      .string()
      .trim()
      .regex(/^\+?[\d\s().-]{5,40}$/, 'wa_id is a phone number in digits, e.g. 4915112345678'),
  }),
  z.strictObject({ user_id: z.string().trim().min(3).max(200) }),
]);

export function erasureRoutes(deps: { store: RetentionStore; clock: Clock; bus: Bus }): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.post('/v1/erasure', async (request) => {
      const body = erasureBody.safeParse(request.body ?? {});
      if (!body.success) {
        throw new WahookError(
          'bad_request',
          'give exactly one of {"wa_id": "<phone number>"} or {"user_id": "<BSUID>"}; ' +
            describeIssues(body.error),
        );
      }
      const person =
        'wa_id' in body.data
          ? { kind: 'wa_id' as const, value: body.data.wa_id }
          : { kind: 'user_id' as const, value: body.data.user_id };
      const counts = await deps.store.erasePerson(person, deps.clock.now());
      const rows = Object.values(counts).reduce((sum, n) => sum + n, 0);
      deps.bus.emit('erasure:done', { kind: person.kind, rows });
      return { erased: counts };
    });
  };
}
