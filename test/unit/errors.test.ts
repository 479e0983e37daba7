import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, httpAnswer, toWahookError, WahookError, WEBHOOK_REJECTIONS } from '../../src/errors.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map(
  [...doc.matchAll(/^\| `([a-z_]+)` \| (\d+) \| (\d) \| (.+) \|$/gm)].map((m) => [
    m[1],
    { http: Number(m[2]), exit: Number(m[3]), hint: m[4] },
  ]),
);

const rejections = new Map(
  [...doc.matchAll(/^\| `([a-z_]+)` \| (\d+) \| ([^|]+) \|$/gm)].map((m) => [
    m[1],
    { http: Number(m[2]), message: m[3] },
  ]),
);

describe('error-code registry', () => {
  it('documents every webhook refusal with its HTTP status and message, and nothing else', () => {
    expect([...rejections.keys()].sort()).toEqual(Object.keys(WEBHOOK_REJECTIONS).sort());
    for (const [reason, entry] of Object.entries(WEBHOOK_REJECTIONS)) {
      expect(rejections.get(reason), reason).toEqual(entry);
    }
  });

  it('keeps the two vocabularies apart', () => {
    expect(Object.keys(WEBHOOK_REJECTIONS).filter((reason) => reason in ERROR_CODES)).toEqual([]);
  });

  it('turns framework errors into registry codes by status, and anything else into internal', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), {
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      statusCode: 413,
    });
    expect(httpAnswer(toWahookError(tooLarge))).toMatchObject({
      status: 413,
      body: { error: 'body_too_large', message: 'Request body is too large' },
    });
    const teapot = Object.assign(new Error('short and stout'), { code: 'FST_ERR_X', statusCode: 418 });
    expect(httpAnswer(toWahookError(teapot)).body.error).toBe('bad_request');
    const bug = httpAnswer(toWahookError(new TypeError('x is undefined at /srv/app.js:3')));
    expect(bug).toMatchObject({ status: 500, body: { error: 'internal' } });
    expect(bug.body.message).not.toMatch(/undefined/);
  });

  it('keeps server-side details out of a 5xx answer and says when to retry a 503', () => {
    const answer = httpAnswer(new WahookError('store_unavailable', 'SQLITE_FULL: database or disk is full'));
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('5');
    expect(answer.body.message).not.toMatch(/SQLITE/);
    expect(answer.body.hint).toBe(ERROR_CODES.store_unavailable.hint);
  });

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
