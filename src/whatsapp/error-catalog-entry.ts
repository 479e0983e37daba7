/**
 * The shape of one WhatsApp error-code entry and the builder the data files use. Data files write
 * the retry advice as the letters of our fact reference (R transient, W wait, N do not retry,
 * C fix configuration first, combinations like `R/C`); the builder turns them into a retry class a
 * program can branch on and a phrase a person can read.
 */

/** What a sender should do about the failed message, by the first letter of the reference's advice. */
export type RetryAdvice = 'retry' | 'wait' | 'no_retry' | 'fix_config' | 'inbound_only';

export type ErrorSource = 'cloud' | 'on-premises';

export interface CatalogEntry {
  /** The code; for a range, its first code. */
  code: number;
  /** The last code of a range; equal to `code` for a single code. */
  lastCode: number;
  title: string;
  /** One or more full sentences. */
  meaning: string;
  /** Typical HTTP status of the synchronous send response; null when only seen in webhooks. */
  httpStatus: number | null;
  retry: RetryAdvice;
  /** The retry advice in words, written to follow a semicolon in an explanation. */
  retryLabel: string;
  /** What to do, as an imperative clause without a final period. */
  remedy: string;
  source: ErrorSource;
}

export type RetryLetters = 'R' | 'W' | 'N' | 'C' | 'R/C' | 'W/C' | 'N/C' | 'inbound';

/** One row as written in a data file. */
export interface CatalogRow {
  code: number | readonly [first: number, last: number];
  title: string;
  meaning: string;
  http: number | null;
  retry: RetryLetters;
  /** Overrides the default phrase when the reference says more (for example "wait at least 24 h"). */
  retryLabel?: string;
  remedy: string;
}

const RETRY_BY_LETTERS: Record<RetryLetters, { retry: RetryAdvice; label: string }> = {
  R: { retry: 'retry', label: 'retrying with backoff usually helps' },
  W: { retry: 'wait', label: 'retrying helps only after waiting' },
  N: { retry: 'no_retry', label: 'retrying the same message will not help' },
  C: { retry: 'fix_config', label: 'retrying will not help until the configuration is fixed' },
  'R/C': {
    retry: 'retry',
    label: 'retrying with backoff may help, but if the error persists the configuration needs fixing',
  },
  'W/C': { retry: 'wait', label: 'retrying helps only after waiting and once the cause is fixed' },
  'N/C': { retry: 'no_retry', label: 'retrying will not help until the template or configuration is fixed' },
  inbound: {
    retry: 'inbound_only',
    label: 'there is nothing to retry, because this concerns a message the user sent',
  },
};

export function defineCatalogEntries(source: ErrorSource, rows: readonly CatalogRow[]): CatalogEntry[] {
  return rows.map((row) => {
    const [code, lastCode] = typeof row.code === 'number' ? [row.code, row.code] : row.code;
    const advice = RETRY_BY_LETTERS[row.retry];
    return {
      code,
      lastCode,
      title: row.title,
      meaning: row.meaning,
      httpStatus: row.http,
      retry: advice.retry,
      retryLabel: row.retryLabel ?? advice.label,
      remedy: row.remedy,
      source,
    };
  });
}

/** `131047` or `200–299`, the way the docs and the CLI show a code. */
export function formatCodeRange(entry: Pick<CatalogEntry, 'code' | 'lastCode'>): string {
  return entry.code === entry.lastCode ? String(entry.code) : `${entry.code}–${entry.lastCode}`;
}
