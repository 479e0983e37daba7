import type { Writable } from 'node:stream';
import { print } from '../context.js';

/**
 * The two ways a command shows what it got: with --json the value as it came, indented two spaces
 * (scripts read it, so its shape is the API's, not the table's); otherwise the lines `lines` makes
 * of it. `lines` runs only without --json, so an answer this version cannot read still prints with
 * --json, as the parse error's hint promises.
 */
export function printAnswer(
  stdout: Writable,
  json: boolean | undefined,
  value: unknown,
  lines: () => Iterable<string>,
): void {
  if (json === true) print(stdout, JSON.stringify(value, null, 2));
  else for (const line of lines()) print(stdout, line);
}
