import type { z } from 'zod';

/** `url: must be …; events.0: each entry is …`: every problem with the field it belongs to. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.map(String).join('.');
      const message =
        issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message;
      return field ? `${field}: ${message}` : message;
    })
    .join('; ');
}
