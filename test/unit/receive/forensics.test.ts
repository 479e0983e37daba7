import { describe, expect, test } from 'vitest';
import { signatureHints } from '../../../src/receive/forensics.js';

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
