import type { Command } from 'commander';
import { parseLimit } from '../flags.js';

/**
 * A listing the API pages by cursor ends, unless it is the last page, with the line that says how
 * to get the next one: the same command with `--after` and the answer's `next`.
 */
export function nextPageLines(next: string | null): string[] {
  return next === null ? [] : [`more: --after ${next}`];
}

/** What commander gives a listing for the options below. */
export interface PageFlags {
  readonly limit: string;
  readonly after?: string;
}

/** `--limit` and `--after`, as every listing that pages by cursor takes them. */
export function addPageOptions(command: Command, max: number, order = ''): Command {
  return command
    .option('--limit <n>', `how many to show, 1 to ${max}`, '50')
    .option('--after <cursor>', `continue after the "next" cursor of an earlier page${order}`);
}

/**
 * The query of one page: the limit checked against `max`, and the cursor under the API's name for
 * it (the inbox pages newest first, so its next page holds the rows *before* the cursor's).
 */
export function pageQuery(
  flags: PageFlags,
  max: number,
  cursorParam: 'after' | 'before',
): Record<string, string> {
  return {
    limit: String(parseLimit('--limit', flags.limit, max)),
    ...(flags.after === undefined ? {} : { [cursorParam]: flags.after }),
  };
}
