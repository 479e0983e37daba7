import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, WahookError } from '../../src/errors.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map(
  [...doc.matchAll(/^\| `([a-z_]+)` \| (\d+) \| (\d) \| (.+) \|$/gm)].map((m) => [
    m[1],
    { http: Number(m[2]), exit: Number(m[3]), hint: m[4] },
  ]),
);

describe('error-code registry', () => {
  it('documents every code with its HTTP status, exit code and hint, and nothing else', () => {
    expect([...documented.keys()].sort()).toEqual(Object.keys(ERROR_CODES).sort());
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      expect(documented.get(code), code).toEqual({ http: entry.http, exit: entry.exit, hint: entry.hint });
    }
  });

  it('gives each error the hint, HTTP status and exit code of its code', () => {
    const err = new WahookError('config_missing_secrets', 'missing WAHOOK_APP_SECRETS');
    expect(err.exitCode).toBe(2);
    expect(err.httpStatus).toBe(500);
    expect(err.hint).toMatch(/WAHOOK_APP_SECRETS/);
    expect(new WahookError('usage', 'x', { hint: 'do y' }).hint).toBe('do y');
  });
});
