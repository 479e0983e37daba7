import { z } from 'zod';

/**
 * Cursors and ids as the admin API accepts them, checked before any store sees them. Both stores
 * keep ids and sequence numbers as 64-bit integers read back as JavaScript numbers, so a cursor
 * is a non-negative safe integer: PostgreSQL would refuse a larger one or a fraction with a
 * database error, and SQLite would compare it as a float and answer something plausible and wrong.
 */
export const MAX_CURSOR_DIGITS = 16;

const digits = new RegExp(`^\\d{1,${MAX_CURSOR_DIGITS}}$`);

/** Whether `text` is a sequence or row id as the API hands them out. */
export function isSeqCursor(text: string): boolean {
  return digits.test(text) && Number.isSafeInteger(Number(text));
}

/** A `?after=` / `?before=` sequence cursor in a query string, as a number. */
export function seqCursor(what: string) {
  return z
    .string()
    .refine(isSeqCursor, `${what} must be a cursor returned as "next" by an earlier call`)
    .transform(Number);
}

/** Whether a decoded time cursor (milliseconds since the epoch) is one the API could have made. */
export function isTimeCursor(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
