import type { z } from 'zod';
import { WahookError } from '../../errors.js';

/**
 * Parses an admin API answer a command renders. Lenient schemas (extra fields pass) keep a CLI one
 * version behind the server working; a mismatch names the fields and points at --json.
 */
export function parseAnswer<S extends z.ZodType>(
  schema: S,
  json: unknown,
  origin: string,
  what = 'an answer',
): z.output<S> {
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  throw new WahookError('internal', `${origin} gave ${what} this wahook cannot read (${problems})`, {
    hint: 'Run the same wahook version as the server, or add --json to see the answer as it came.',
  });
}
