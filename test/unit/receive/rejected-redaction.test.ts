import { describe, expect, test } from 'vitest';
import { bodyShape, redactHeaders } from '../../../src/receive/rejected-redaction.js';

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

  test('redacts every header not on the allow list, whatever its name', () => {
    expect(
      redactHeaders({ 'x-api-key': 'k3y', 'x-d360-key': 'k3y', 'x-custom-token': 'abc', accept: '*/*' }),
    ).toEqual({
      'x-api-key': '[redacted, 3 chars]',
      'x-d360-key': '[redacted, 3 chars]',
      'x-custom-token': '[redacted, 3 chars]',
      accept: '*/*',
    });
  });

  test('joins repeated headers and bounds long values', () => {
    const out = redactHeaders({
      'x-forwarded-for': ['10.0.0.1', '10.0.0.2'],
      'user-agent': 'x'.repeat(2000),
    });
    expect(out['x-forwarded-for']).toBe('10.0.0.1, 10.0.0.2');
    expect(out['user-agent']).toHaveLength(512);
  });
});

describe('bodyShape', () => {
  const webhook = {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
              contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' }],
              messages: [
                {
                  from: '16505551234',
                  id: 'wamid.X',
                  timestamp: 1749416383,
                  type: 'text',
                  text: { body: 'Does it come in another color?' },
                },
              ],
            },
          },
        ],
      },
    ],
  };

  test('keeps the structure and structural values of a webhook, not its phone numbers, names or texts', () => {
    const shape = bodyShape(Buffer.from(JSON.stringify(webhook)), 2048).toString('utf8');
    const parsed = JSON.parse(shape);
    expect(parsed.object).toBe('whatsapp_business_account');
    expect(parsed.entry[0].changes[0].field).toBe('messages');
    expect(parsed.entry[0].changes[0].value.messages[0]).toEqual({
      from: '[string, 11 chars]',
      id: '[string, 7 chars]',
      timestamp: '[number]',
      type: 'text',
      text: { body: '[string, 30 chars]' },
    });
    for (const personal of ['16505551234', '15550783881', 'Sheena', 'another color']) {
      expect(shape).not.toContain(personal);
    }
  });

  test('keeps only the size of a body that is not JSON', () => {
    expect(bodyShape(Buffer.from('to=+16505551234&text=hello'), 2048).toString()).toBe(
      '[26 bytes, not JSON]',
    );
    expect(bodyShape(Buffer.alloc(0), 2048)).toHaveLength(0);
  });

  test('stays within the byte budget', () => {
    const many = JSON.stringify({ entry: Array.from({ length: 500 }, () => ({ id: 'x' })) });
    expect(bodyShape(Buffer.from(many), 2048).length).toBeLessThanOrEqual(2048);
  });
});
