import type { FastifySchemaValidationError } from 'fastify';
import { z } from 'zod';
import { WahookError } from '../errors.js';
import { describeValidation, type IssueLike, validationIssues } from '../lib/describe-issues.js';

/**
 * Pieces the admin routes' `schema` options share. Each route declares its params, query and body
 * as zod schemas there: Fastify validates with them (fastify-type-provider-zod), the handler gets
 * the parsed values, and GET /v1/openapi.json is generated from the same schemas. A request a
 * schema refuses is answered by the one error handler as `bad_request`, worded by
 * `describeValidation`, unless the route words it itself with `refusedAs`.
 */

/** Where a path holds one row id: a positive safe integer, with the route's own words for any other. */
export function rowIdParams(message: string) {
  return z.object({
    id: z
      .string()
      .regex(/^\d{1,16}$/, message)
      .meta({ description: 'a positive integer id' })
      .transform(Number)
      .refine((id) => Number.isSafeInteger(id) && id > 0, message),
  });
}

/** A body left out is read as `{}`, so the body's own messages say what is missing. */
export function absentBodyAsEmpty<T extends z.ZodType>(schema: T) {
  return z.preprocess((body) => body ?? {}, schema);
}

/** For a route that words the refusal of its input itself (Fastify's route `schemaErrorFormatter`). */
export function refusedAs(
  describe: (issues: IssueLike[], part: string, standard: string) => string,
): (errors: FastifySchemaValidationError[], part: string) => Error {
  return (errors, part) => {
    const failure = { validation: errors, validationContext: part };
    return new WahookError(
      'bad_request',
      describe(validationIssues(failure), part, describeValidation(failure)),
    );
  };
}

/** Whether the body was no JSON object at all (left out, an array, a string…). */
export function isNotAnObject(issues: readonly IssueLike[]): boolean {
  return issues.length === 1 && issues[0]?.code === 'invalid_type' && issues[0].path.length === 0;
}

/** A success answer as the document names it; its fields are listed in docs/api.md. */
export function successBody(description: string) {
  return z.unknown().meta({ description });
}
