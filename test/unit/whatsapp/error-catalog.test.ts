import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  explainError,
  formatCodeRange,
  listErrorCodes,
  lookupErrorCode,
} from '../../../src/whatsapp/error-catalog.js';
import { renderErrorCodesMarkdown } from '../../../src/whatsapp/error-catalog-markdown.js';
import type { WhatsAppError } from '../../../src/whatsapp/types.js';

/** Every code and range in the error-code table of our WhatsApp fact reference (Cloud API). */
const CLOUD_CODES = [
  0, 1, 2, 3, 4, 10, 33, 100, 190, 200, 368, 80007, 130403, 130429, 130472, 130497, 131000, 131005, 131008,
  131009, 131016, 131021, 131026, 131031, 131036, 131037, 131042, 131043, 131045, 131047, 131048, 131049,
  131050, 131051, 131052, 131053, 131055, 131056, 131057, 131060, 131062, 131063, 131064, 132000, 132001,
  132005, 132007, 132008, 132012, 132015, 132016, 132018, 132068, 132069, 133000, 133001, 133004, 133005,
  133006, 133007, 133008, 133009, 133010, 133015, 133016, 134011, 134100, 135000, 2388000, 2494100,
];
/** The On-Premises equivalents the reference lists. */
const ON_PREMISES_CODES = [
  400, 402, 408, 410, 429, 430, 470, 471, 472, 480, 500, 501, 1000, 1013, 1026, 2000, 2026,
];
const RANGES: Array<[first: number, last: number]> = [
  [200, 299],
  [133001, 133003],
  [134100, 134102],
  [2388000, 2388999],
  [430, 433],
  [1000, 1031],
  [2000, 2069],
];
const DOC_PATH = new URL('../../../docs/error-codes.md', import.meta.url);

function whatsAppError(code: number, extra: Partial<WhatsAppError> = {}): WhatsAppError {
  return { code, title: null, message: null, details: null, href: null, ...extra };
}

describe('error catalog lookup', () => {
  it.each(CLOUD_CODES)('knows Cloud API code %i', (code) => {
    expect(lookupErrorCode(code)?.source).toBe('cloud');
  });

  it.each(ON_PREMISES_CODES)('knows On-Premises code %i', (code) => {
    expect(lookupErrorCode(code)?.source).toBe('on-premises');
  });

  it.each(RANGES)('resolves every code of the range %i–%i to one range entry', (first, last) => {
    const entry = lookupErrorCode(first);
    for (const code of [first, Math.floor((first + last) / 2), last]) {
      const found = lookupErrorCode(code);
      if (found?.code === found?.lastCode) continue; // a named code inside the range keeps its own entry
      expect(found).toBe(entry);
    }
    expect(lookupErrorCode(last + 1)).not.toBe(entry);
  });

  it('prefers a named code over the range that contains it', () => {
    expect(lookupErrorCode(1026)?.title).toBe('Receiver incapable');
    expect(lookupErrorCode(1013)?.title).toBe('User is not valid');
    expect(lookupErrorCode(2026)?.title).toBe('Missing products');
    expect(lookupErrorCode(1014)?.code).toBe(1000);
  });

  it('answers undefined for a code it does not know', () => {
    expect(lookupErrorCode(999_999)).toBeUndefined();
    expect(lookupErrorCode(300)).toBeUndefined();
  });

  it('holds each single code once and no overlapping ranges', () => {
    const entries = listErrorCodes();
    const singles = entries.filter((e) => e.code === e.lastCode).map((e) => e.code);
    expect(new Set(singles).size).toBe(singles.length);
    const ranges = entries.filter((e) => e.code !== e.lastCode);
    for (const a of ranges) {
      for (const b of ranges) {
        if (a !== b) expect(a.lastCode < b.code || b.lastCode < a.code).toBe(true);
      }
    }
  });

  it('writes every entry so an explanation reads as sentences', () => {
    for (const entry of listErrorCodes()) {
      expect(entry.meaning, formatCodeRange(entry)).toMatch(/^[A-Z].*[.)]$/);
      expect(entry.remedy, formatCodeRange(entry)).toMatch(/^[A-Z].*[^.]$/);
      expect(entry.retryLabel, formatCodeRange(entry)).toMatch(/^[a-z].*[^.]$/);
    }
  });
});

describe('explainError', () => {
  it('says what the error means, what to do and whether retrying helps', () => {
    const text = explainError(whatsAppError(131047));
    expect(text).toContain('131047');
    expect(text).toContain('24 hours');
    expect(text).toContain('template');
    expect(text).toContain('retrying the same message will not help');
  });

  it('tells a support person to wait a day for the marketing limit', () => {
    expect(explainError(whatsAppError(131049))).toMatch(/at least 24 hours/);
  });

  it('names the range when a code is explained through one', () => {
    expect(explainError(whatsAppError(250))).toMatch(/^WhatsApp error 250 \(200–299\): /);
  });

  it('names an unknown code and points to Meta with the details text', () => {
    const text = explainError(whatsAppError(987654, { title: 'Odd failure', details: 'Try turning it off' }));
    expect(text).toContain('987654');
    expect(text).toContain('"Odd failure"');
    expect(text).toContain("Meta's error-code page");
    expect(text).toContain('"Try turning it off"');
  });

  it('explains an unknown code without details', () => {
    const text = explainError(whatsAppError(987654));
    expect(text).toContain('WhatsApp error 987654 is not in');
    expect(text).not.toContain('details Meta sent');
  });
});

describe('docs/error-codes.md', () => {
  const doc = readFileSync(DOC_PATH, 'utf8');
  const documented = [...doc.matchAll(/^\| (\d+(?:–\d+)?) +\|/gm)].map((match) => match[1]);

  it('lists every code of the catalog and no other', () => {
    const catalog = listErrorCodes().map(formatCodeRange);
    expect([...documented].sort()).toEqual([...catalog].sort());
  });

  it('is exactly what the catalog renders (run `npm run docs` to regenerate)', () => {
    expect(doc).toBe(renderErrorCodesMarkdown());
  });
});
