import { describe, expect, test } from 'vitest';
import { redactHeaders, signatureHints } from '../../../src/receive/forensics.js';

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

describe('redactHeaders', () => {
  test('replaces authenticating header values with their length only', () => {
    const signature = `sha256=${'a'.repeat(64)}`;
    const out = redactHeaders({
      'x-hub-signature-256': signature,
      authorization: 'Bearer s3cret',
      cookie: 'session=abc',
      'user-agent': 'facebookexternalua',
    });
    expect(out).toEqual({
      'x-hub-signature-256': '[redacted, 71 chars]',
      authorization: '[redacted, 13 chars]',
      cookie: '[redacted, 11 chars]',
      'user-agent': 'facebookexternalua',
    });
    expect(JSON.stringify(out)).not.toContain('s3cret');
  });

  test('redacts the extra headers configured as secrets for header-auth sources', () => {
    expect(redactHeaders({ 'x-d360-key': 'k3y', accept: '*/*' }, ['x-d360-key'])).toEqual({
      'x-d360-key': '[redacted, 3 chars]',
      accept: '*/*',
    });
  });

  test('joins repeated headers and bounds long values', () => {
    const out = redactHeaders({ 'x-forwarded-for': ['10.0.0.1', '10.0.0.2'], 'x-long': 'x'.repeat(2000) });
    expect(out['x-forwarded-for']).toBe('10.0.0.1, 10.0.0.2');
    expect(out['x-long']).toHaveLength(512);
  });
});
