import { WahookError } from '../errors.js';
import { parseDuration } from '../lib/duration.js';

/**
 * Option values shared by the commands, parsed one way: counts, and durations with a unit (`250ms`,
 * `10s`, `2m`) everywhere. A bare number still means milliseconds, as it did for `doctor --timeout`
 * and `simulate --delay`, with a note that the unit will be required.
 */
export function parseLimit(flag: string, text: string, max: number): number {
  const limit = Number(text);
  if (!/^\d+$/.test(text.trim()) || limit < 1 || limit > max) {
    throw new WahookError(
      'usage',
      `${flag} must be a whole number from 1 to ${max}, not ${JSON.stringify(text)}`,
    );
  }
  return limit;
}

/** Milliseconds from a duration; `note` receives the deprecation line for a bare non-zero number. */
export function parseDurationFlag(flag: string, text: string, note: (line: string) => void): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    throw new WahookError('usage', `${flag}: ${(err as Error).message}`);
  }
  const line = bareNumberNote(flag, text);
  if (line !== undefined) note(line);
  return ms;
}

/** The deprecation note for a duration given without a unit (none for 0, which needs none). */
export function bareNumberNote(flag: string, text: string | undefined): string | undefined {
  if (text === undefined || !/^\s*\d+(?:\.\d+)?\s*$/.test(text) || Number(text) === 0) return undefined;
  return (
    `note: ${flag} ${text.trim()} has no unit and is read as milliseconds; write ${text.trim()}ms ` +
    '(or 10s, 2m): a unit will be required in a later version'
  );
}

/** `a,b, c` → ['a','b','c'] without empty entries. */
export function commaList(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/** commander's parser for a repeatable option: every value, in order. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
