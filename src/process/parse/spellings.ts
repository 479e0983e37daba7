/**
 * Keys Meta has spelled two ways: a status's participant and parent ids, and an error's `details`
 * (top level On-Premises, under `error_data` on the Cloud API). The parser reads one spelling
 * (counterpart.ts, normalize.ts); when an item carries both and they disagree, the other is kept
 * in `unparsed` under its path and named in the flag `conflicting_spellings:`, so it is not lost
 * unseen. The same value in both spellings says nothing new and is not kept twice.
 */
import { isRecord } from './normalize.js';

type KeyPath = readonly string[];

/** Pairs of (the spelling read, the other spelling), as key paths within the item. */
type Spellings = ReadonlyArray<readonly [read: KeyPath, other: KeyPath]>;

export const STATUS_SPELLINGS: Spellings = [
  [['recipient_participant_id'], ['participant_recipient_id']],
  [['recipient_parent_user_id'], ['parent_recipient_user_id']],
];

const ERROR_SPELLINGS: Spellings = [[['error_data', 'details'], ['details']]];

/** Keeps in `unparsed` each other spelling of `item` that disagrees with the one read; answers their paths. */
export function keepOtherSpellings(
  item: unknown,
  spellings: Spellings,
  path: string,
  unparsed: Record<string, unknown>,
): string[] {
  const kept: string[] = [];
  for (const [read, other] of spellings) {
    const first = valueAt(item, read);
    const second = valueAt(item, other);
    if (first == null || second == null || String(first) === String(second)) continue;
    const key = path === '' ? other.join('.') : `${path}.${other.join('.')}`;
    unparsed[key] = second;
    kept.push(key);
  }
  return kept;
}

/** The same for each error of an `errors` array at `path`. */
export function keepOtherErrorSpellings(
  errors: unknown,
  path: string,
  unparsed: Record<string, unknown>,
): string[] {
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((error, index) =>
    keepOtherSpellings(error, ERROR_SPELLINGS, `${path}[${index}]`, unparsed),
  );
}

/** An error object's own spellings (a value-level error is itself the item). */
export function keepOtherErrorSpelling(error: unknown, unparsed: Record<string, unknown>): string[] {
  return keepOtherSpellings(error, ERROR_SPELLINGS, '', unparsed);
}

export function spellingFlags(kept: readonly string[]): string[] {
  return kept.length === 0 ? [] : [`conflicting_spellings:${[...kept].sort().join(',')}`];
}

function valueAt(item: unknown, path: KeyPath): unknown {
  let node: unknown = item;
  for (const key of path) {
    if (!isRecord(node)) return undefined;
    node = node[key];
  }
  return node;
}
