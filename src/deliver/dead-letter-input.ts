import { z } from 'zod';
import type { DeadLetter, DeadLetterFilter, DeadLetterSelector } from '../store/delivery-ports.js';

/** Query and body shapes of /v1/dead-letters, shared by the routes and the replay command. */
const isoTime = z
  .string()
  .refine((text) => /^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(Date.parse(text)), {
    message: 'must be an ISO-8601 time, e.g. 2026-01-31T12:00:00Z',
  })
  .transform((text) => Date.parse(text));

const deadLetterId = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d{1,16}$/, { message: 'each id is a dead letter id from GET /v1/dead-letters' })
    .transform(Number)
    .pipe(z.number().int().positive({ message: 'each id is a dead letter id from GET /v1/dead-letters' })),
]);

export const deadLetterQuery = z.strictObject({
  subscription: z.string().min(1).optional(),
  since: isoTime.optional(),
  error: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.coerce.number().int().min(0).optional(),
});

/** `params.reason` of the issue a replay body that names no dead letter gets (forms word it their own way). */
export const NOTHING_SELECTED = 'nothing_selected';

export const replayBody = z
  .strictObject({
    ids: z.array(deadLetterId).min(1).max(10_000).optional(),
    subscription: z.string().min(1).optional(),
    since: isoTime.optional(),
    error: z.string().min(1).optional(),
    dry_run: z.boolean().default(false),
    limit: z.number().int().min(1).max(100_000).optional(),
  })
  .superRefine((body, ctx) => {
    const filtered = body.subscription !== undefined || body.since !== undefined || body.error !== undefined;
    if (body.ids && filtered) {
      ctx.addIssue({
        code: 'custom',
        message: 'give either ids or filters (subscription, since, error), not both',
      });
    } else if (!body.ids && !filtered) {
      ctx.addIssue({
        code: 'custom',
        params: { reason: NOTHING_SELECTED },
        message:
          'say which dead letters to replay: {"ids":[…]} or {"subscription":"sub_…","since":"2026-01-31T00:00:00Z"}',
      });
    }
  });

export type ReplayBody = z.output<typeof replayBody>;

export function filterOf(given: { subscription?: string; since?: number; error?: string }): DeadLetterFilter {
  return {
    ...(given.subscription === undefined ? {} : { subscriptionId: given.subscription }),
    ...(given.since === undefined ? {} : { since: given.since }),
    ...(given.error === undefined ? {} : { errorContains: given.error }),
  };
}

export function selectorOf(body: ReplayBody): DeadLetterSelector {
  return body.ids ? { ids: body.ids } : filterOf(body);
}

export function deadLetterJson(deadLetter: DeadLetter) {
  return {
    id: deadLetter.id,
    event_id: deadLetter.eventId,
    event_type: deadLetter.eventType,
    subscription_id: deadLetter.subscriptionId,
    attempts: deadLetter.attempts,
    last_status: deadLetter.lastStatus,
    last_error: deadLetter.lastError,
    dead_at: new Date(deadLetter.deadAt).toISOString(),
  };
}
