import { createHmac } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { loadPayload, payloadNames } from '../../fixtures/payloads/index.js';

const hmac = (bytes: Buffer) => createHmac('sha256', 'example_app_secret').update(bytes).digest('hex');

describe('payload fixtures', () => {
  test('keep the escaped text example byte-exact, so its documented signature verifies', () => {
    const body = loadPayload('text-escaped-unicode');
    expect(hmac(body)).toBe('7b45b9ec73e8ec218ae62133f83430760de4d4ce8817774e8ecec78f8f18cbfd');
    expect(body.includes('\\u00fc')).toBe(true);
    expect(body.at(-1)).not.toBe(0x0a);
  });

  test('re-serializing the escaped example breaks its signature, which is why we keep the bytes', () => {
    const reserialized = Buffer.from(
      JSON.stringify(JSON.parse(loadPayload('text-escaped-unicode').toString())),
    );
    expect(hmac(reserialized)).not.toBe('7b45b9ec73e8ec218ae62133f83430760de4d4ce8817774e8ecec78f8f18cbfd');
  });

  test('hold the empty-entry vector with its documented signature', () => {
    const body = loadPayload('signature-vector-empty-entry');
    expect(body.toString()).toBe('{"object":"whatsapp_business_account","entry":[]}');
    expect(hmac(body)).toBe('716a1c4618ea5affca3eb9e271961706f16f8f19e719f21f61c8a1091c80e750');
  });

  test('list every fixture by name and load it with or without the suffix', () => {
    const names = payloadNames();
    expect(names).toContain('batch-two-wabas');
    expect(names.length).toBeGreaterThanOrEqual(22);
    expect(loadPayload('status-sent.json')).toEqual(loadPayload('status-sent'));
  });

  test('name the known fixtures when asked for one that does not exist', () => {
    expect(() => loadPayload('no-such-payload')).toThrow(
      /no payload fixture "no-such-payload"; known: .*status-sent/,
    );
  });
});
