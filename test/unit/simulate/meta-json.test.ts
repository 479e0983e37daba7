import { describe, expect, it } from 'vitest';
import { serializeMeta, serializeMetaBytes, signMeta } from '../../../src/simulate/meta-json.js';

const SECRET = 'example_app_secret';

/** The §4.2 text example of the webhook reference, byte for byte. */
const TEXT_EXAMPLE_BYTES =
  '{"object":"whatsapp_business_account","entry":[{"id":"301234567890123","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"4930123456789","phone_number_id":"112233445566778"},"contacts":[{"profile":{"name":"Ren\\u00e9"},"wa_id":"4915112345678"}],"messages":[{"from":"4915112345678","id":"wamid.TEST1","timestamp":"1767261600","type":"text","text":{"body":"Gr\\u00fc\\u00dfe \\ud83d\\udc4b"}}]}}]}]}';

const textExampleObject = {
  object: 'whatsapp_business_account',
  entry: [
    {
      id: '301234567890123',
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '4930123456789', phone_number_id: '112233445566778' },
            contacts: [{ profile: { name: 'René' }, wa_id: '4915112345678' }],
            messages: [
              {
                from: '4915112345678',
                id: 'wamid.TEST1',
                timestamp: '1767261600',
                type: 'text',
                text: { body: 'Grüße 👋' },
              },
            ],
          },
        },
      ],
    },
  ],
};

describe('Meta-style serialization and signing', () => {
  it('serializes the reference text example byte-identically', () => {
    expect(serializeMeta(textExampleObject)).toBe(TEXT_EXAMPLE_BYTES);
  });

  it('signs the reference text example with the published digest', () => {
    expect(signMeta(serializeMetaBytes(textExampleObject), SECRET)).toBe(
      'sha256=7b45b9ec73e8ec218ae62133f83430760de4d4ce8817774e8ecec78f8f18cbfd',
    );
  });

  it('signs the empty envelope with the published digest', () => {
    expect(signMeta('{"object":"whatsapp_business_account","entry":[]}', SECRET)).toBe(
      'sha256=716a1c4618ea5affca3eb9e271961706f16f8f19e719f21f61c8a1091c80e750',
    );
  });

  it('gives a different digest than plain UTF-8 JSON, as Meta does', () => {
    const plain = JSON.stringify(textExampleObject);
    expect(signMeta(plain, SECRET)).toMatch(/^sha256=f7cc1c31/);
    expect(signMeta(plain, SECRET)).not.toBe(signMeta(serializeMetaBytes(textExampleObject), SECRET));
  });

  it('escapes slashes, lower-case hex and astral characters as surrogate pairs', () => {
    expect(serializeMeta({ url: 'https://a.b/c', text: 'ÄÖ 😮', nl: 'a\nb' })).toBe(
      '{"url":"https:\\/\\/a.b\\/c","text":"\\u00c4\\u00d6 \\ud83d\\ude2e","nl":"a\\nb"}',
    );
  });

  it('keeps an escaped backslash before a slash unambiguous', () => {
    const json = serializeMeta({ path: 'a\\/b' });
    expect(json).toBe('{"path":"a\\\\\\/b"}');
    expect(JSON.parse(json)).toEqual({ path: 'a\\/b' });
  });

  it('produces pure ASCII bytes that parse back to the same value', () => {
    const value = { name: '李雷', emoji: '👍🏽', rtl: 'نعم' };
    const bytes = serializeMetaBytes(value);
    expect([...bytes].every((byte) => byte < 0x80)).toBe(true);
    expect(JSON.parse(bytes.toString('utf8'))).toEqual(value);
  });
});
