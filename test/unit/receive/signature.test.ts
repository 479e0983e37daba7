import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { signMetaBody, verifyMetaSignature } from '../../../src/receive/signature.js';
import { metaSignature } from '../../helpers/signing.js';

/** Known answers from the WhatsApp fact reference §2.1; the text payload is §4.2, byte for byte. */
const VECTOR_SECRET = 'example_app_secret';
const EMPTY_ENTRY = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');
const EMPTY_ENTRY_SIGNATURE = 'sha256=716a1c4618ea5affca3eb9e271961706f16f8f19e719f21f61c8a1091c80e750';
const TEXT_SIGNATURE = 'sha256=7b45b9ec73e8ec218ae62133f83430760de4d4ce8817774e8ecec78f8f18cbfd';
const TEXT_PAYLOAD = Buffer.from(
  String.raw`{"object":"whatsapp_business_account","entry":[{"id":"301234567890123","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"4930123456789","phone_number_id":"112233445566778"},"contacts":[{"profile":{"name":"Ren\u00e9"},"wa_id":"4915112345678"}],"messages":[{"from":"4915112345678","id":"wamid.TEST1","timestamp":"1767261600","type":"text","text":{"body":"Gr\u00fc\u00dfe \ud83d\udc4b"}}]}}]}]}`,
);
const TEXT_FIXTURE = new URL('../../fixtures/payloads/text-escaped-unicode.json', import.meta.url);

describe('verifyMetaSignature known answers', () => {
  test('accepts the documented signature of the empty-entry body', () => {
    expect(verifyMetaSignature(EMPTY_ENTRY, EMPTY_ENTRY_SIGNATURE, [VECTOR_SECRET])).toEqual({
      ok: true,
      secretIndex: 0,
    });
    expect(signMetaBody(EMPTY_ENTRY, VECTOR_SECRET)).toBe(EMPTY_ENTRY_SIGNATURE);
  });

  test('accepts the documented signature of the escaped-unicode text payload', () => {
    expect(verifyMetaSignature(TEXT_PAYLOAD, TEXT_SIGNATURE, [VECTOR_SECRET]).ok).toBe(true);
  });

  test.runIf(existsSync(TEXT_FIXTURE))(
    'the shared fixture file holds the same bytes as the reference',
    () => {
      expect(readFileSync(TEXT_FIXTURE).equals(TEXT_PAYLOAD)).toBe(true);
    },
  );

  test('refuses the same object re-serialized, because the signed bytes changed', () => {
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(TEXT_PAYLOAD.toString('utf8'))));
    expect(reserialized.equals(TEXT_PAYLOAD)).toBe(false);
    expect(verifyMetaSignature(reserialized, TEXT_SIGNATURE, [VECTOR_SECRET])).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  test('accepts an uppercase hex digest of the right bytes', () => {
    const upper = `sha256=${EMPTY_ENTRY_SIGNATURE.slice('sha256='.length).toUpperCase()}`;
    expect(verifyMetaSignature(EMPTY_ENTRY, upper, [VECTOR_SECRET]).ok).toBe(true);
  });

  test('a signature made by the test signer verifies, so the two agree on the algorithm', () => {
    const body = Buffer.from('{"a":"\\u00e4\\/"}');
    expect(verifyMetaSignature(body, metaSignature(body, 's'), ['s']).ok).toBe(true);
  });
});

describe('verifyMetaSignature failure modes', () => {
  const secrets = [VECTOR_SECRET];
  const digest = EMPTY_ENTRY_SIGNATURE.slice('sha256='.length);

  test.each([
    ['no header at all', undefined, 'signature_missing'],
    ['an empty header', '', 'signature_missing'],
    ['the legacy sha1= prefix', `sha1=${digest}`, 'signature_bad_prefix'],
    ['a bare digest without prefix', digest, 'signature_bad_prefix'],
    ['an uppercase prefix', `SHA256=${digest}`, 'signature_bad_prefix'],
    ['a digest one character short', `sha256=${digest.slice(1)}`, 'signature_bad_length'],
    ['a digest one character long', `sha256=${digest}0`, 'signature_bad_length'],
    ['64 characters that are not hex', `sha256=${'z'.repeat(64)}`, 'signature_not_hex'],
    ['the digest of other bytes', metaSignature('{}', VECTOR_SECRET), 'signature_mismatch'],
  ] as const)('refuses %s with %s', (_label, header, reason) => {
    expect(verifyMetaSignature(EMPTY_ENTRY, header, secrets)).toEqual({ ok: false, reason });
  });

  test('refuses every signature when no secret is configured', () => {
    expect(verifyMetaSignature(EMPTY_ENTRY, EMPTY_ENTRY_SIGNATURE, [])).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  test('refuses a signature made with another secret', () => {
    expect(verifyMetaSignature(EMPTY_ENTRY, metaSignature(EMPTY_ENTRY, 'other_secret'), secrets).ok).toBe(
      false,
    );
  });
});

describe('verifyMetaSignature with several secrets (rotation, several apps)', () => {
  const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');

  test('accepts a body signed with the second configured secret', () => {
    expect(
      verifyMetaSignature(body, metaSignature(body, 'new_secret'), ['old_secret', 'new_secret']),
    ).toEqual({ ok: true, secretIndex: 1 });
  });

  test('which secret matched does not change the outcome', () => {
    const secrets = ['first', 'second', 'third'];
    const verdicts = secrets.map((secret) => verifyMetaSignature(body, metaSignature(body, secret), secrets));
    expect(verdicts.map((verdict) => verdict.ok)).toEqual([true, true, true]);
    expect(verdicts.map((verdict) => (verdict.ok ? verdict.secretIndex : -1))).toEqual([0, 1, 2]);
  });

  test('a secret listed twice reports its first place', () => {
    expect(verifyMetaSignature(body, metaSignature(body, 'same'), ['same', 'same'])).toEqual({
      ok: true,
      secretIndex: 0,
    });
  });

  test('refuses a body signed with none of the configured secrets', () => {
    expect(verifyMetaSignature(body, metaSignature(body, 'retired'), ['old_secret', 'new_secret'])).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    });
  });
});
