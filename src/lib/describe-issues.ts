/** What the descriptions below read of an issue: a zod issue, or one that a route's schema raised. */
export interface IssueLike {
  readonly path: readonly PropertyKey[];
  readonly code: string;
  readonly message: string;
  readonly keys?: readonly string[];
}

/** `url: must be …; events.0: each entry is …`: every problem with the field it belongs to. */
export function describeIssues(error: { readonly issues: readonly IssueLike[] }): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.map(String).join('.');
      const message = issueText(issue);
      return field ? `${field}: ${message}` : message;
    })
    .join('; ');
}

function issueText(issue: IssueLike): string {
  return issue.code === 'unrecognized_keys'
    ? `unknown field(s) ${(issue.keys ?? []).join(', ')}`
    : issue.message;
}

/**
 * A request that failed its route's schema, as Fastify raises it: `validation` holds one entry per
 * issue of the schema (fastify-type-provider-zod keeps the zod issue's code as `keyword`, its path
 * as `instancePath`, its other fields as `params`), `validationContext` the part of the request.
 */
export interface ValidationFailure {
  readonly validation: readonly {
    readonly keyword: string;
    readonly instancePath: string;
    readonly params: Readonly<Record<string, unknown>>;
    readonly message?: string;
  }[];
  readonly validationContext?: string;
}

export function isValidationFailure(error: unknown): error is ValidationFailure {
  return Array.isArray((error as { validation?: unknown } | null)?.validation);
}

/** The zod-like issues a schema failure carries, so every route words them as `describeIssues` does. */
export function validationIssues(failure: ValidationFailure): IssueLike[] {
  return failure.validation.map((entry) => {
    const keys = entry.params.keys;
    return {
      path: entry.instancePath.split('/').slice(1).filter(Boolean),
      code: entry.keyword,
      message: entry.message ?? 'is invalid',
      ...(Array.isArray(keys) ? { keys: keys.map(String) } : {}),
    };
  });
}

/**
 * The message of a request that failed its route's schema. A path parameter is named by the URL
 * itself, so its messages are written to stand alone ("inbox id must be a positive integer") and
 * go without the field name; the query and the body say which field each problem is in.
 */
export function describeValidation(failure: ValidationFailure): string {
  const issues = validationIssues(failure);
  if (failure.validationContext === 'params') return issues.map(issueText).join('; ');
  return describeIssues({ issues });
}
