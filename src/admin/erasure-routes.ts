import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Clock } from '../lib/clock.js';
import type { Bus } from '../observe/bus.js';
import type { ErasureCounts, RetentionStore } from '../store/retention-ports.js';
import { absentBodyAsEmpty, refusedAs } from './route-schemas.js';

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

/** Every class the store counts, and only those (`satisfies` fails the build when one is added). */
function erasedCounts() {
  const count = z.number().int().min(0);
  return z.object({
    messages: count,
    events: count,
    deliveries: count,
    inbox_deleted: count,
    inbox_redacted: count,
    requests: count,
    sends: count,
    answers_redacted: count,
    metadata_redacted: count,
    inbox_errors_redacted: count,
    send_messages_redacted: count,
  } satisfies Record<keyof ErasureCounts, typeof count>);
}

const schema = {
  summary: 'Removes every stored trace of one person; answers the counts per class',
  tags: ['erasure'],
  body: absentBodyAsEmpty(erasureBody),
  response: {
    200: z
      .object({ erased: erasedCounts() })
      .meta({ description: 'the rows removed or rewritten, per class' }),
  },
};

const refused = refusedAs(
  (_issues, _part, standard) =>
    `give exactly one of {"wa_id": "<phone number>"} or {"user_id": "<BSUID>"}; ${standard}`,
);

export function erasureRoutes(deps: { store: RetentionStore; clock: Clock; bus: Bus }): FastifyPluginAsync {
  return async (plain: FastifyInstance) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    app.post('/v1/erasure', { schema, schemaErrorFormatter: refused }, async (request) => {
      const body = request.body;
      const person =
        'wa_id' in body
          ? { kind: 'wa_id' as const, value: body.wa_id }
          : { kind: 'user_id' as const, value: body.user_id };
      const counts = await deps.store.erasePerson(person, deps.clock.now());
      const rows = Object.values(counts).reduce((sum, n) => sum + n, 0);
      deps.bus.emit('erasure:done', { kind: person.kind, rows });
      return { erased: counts };
    });
  };
}
