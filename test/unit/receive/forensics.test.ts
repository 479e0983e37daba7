import { describe, expect, test } from 'vitest';
import { rejectionVerdict, signatureHints } from '../../../src/receive/forensics.js';

describe('signatureHints', () => {
  test('names re-encoding when the body carries raw non-ASCII bytes', () => {
    const hints = signatureHints(Buffer.from('{"name":"René"}'), {});
    expect(hints).toEqual([expect.stringContaining('raw non-ASCII bytes')]);
  });

  test('has nothing to say about a compact, escaped body', () => {
    expect(signatureHints(Buffer.from('{"name":"Ren\\u00e9"}'), {})).toEqual([]);
  });

  test('names a content encoding other than identity', () => {
    expect(signatureHints(Buffer.from('{}'), { 'content-encoding': 'gzip' })).toEqual([
      expect.stringContaining('Content-Encoding "gzip"'),
    ]);
    expect(signatureHints(Buffer.from('{}'), { 'content-encoding': 'identity' })).toEqual([]);
  });

  test('names pretty-printed JSON', () => {
    const pretty = Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry: [] }, null, 2));
    expect(signatureHints(pretty, {})).toEqual([expect.stringContaining('pretty-printed')]);
  });

  test('names a request that carries only the legacy SHA-1 header', () => {
    expect(signatureHints(Buffer.from('{}'), { 'x-hub-signature': 'sha1=00' })).toEqual([
      expect.stringContaining('legacy SHA-1'),
    ]);
  });

  test('names an empty body', () => {
    expect(signatureHints(Buffer.alloc(0), {})).toEqual([expect.stringContaining('body is empty')]);
  });
});

describe('rejectionVerdict', () => {
  const verdict = (reason: string, hints: string[] = [], headers: Record<string, string> = {}) =>
    rejectionVerdict({ reason, hints, headers });

  test('names a re-encoded body when the hints say the bytes changed', () => {
    const hints = signatureHints(Buffer.from('{"a": "é"}'), {});
    expect(verdict('signature_mismatch', hints, { 'user-agent': 'facebookexternalua' })).toMatch(
      /^It claims to come from Meta, but the body bytes differ from what was signed/,
    );
  });

  test('names another secret when nothing else explains a mismatch', () => {
    expect(verdict('signature_mismatch', [], { 'user-agent': 'facebookexternalua' })).toContain(
      "none of WAHOOK_APP_SECRETS is this app's secret",
    );
    expect(verdict('signature_mismatch')).toContain('or not from Meta');
  });

  test('says what a missing header, a bad handshake and an oversized body mean', () => {
    expect(verdict('signature_missing')).toContain('not from Meta');
    expect(verdict('verify_token_mismatch')).toContain('WAHOOK_VERIFY_TOKEN');
    expect(verdict('body_too_large')).toContain('WAHOOK_MAX_BODY_BYTES');
    expect(verdict('something_new')).toBe('Refused: something_new.');
  });
});
