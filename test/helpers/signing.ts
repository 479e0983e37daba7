import { createHmac } from 'node:crypto';

/**
 * Signing as Meta does it, written independently of src/receive so a test can catch the receiver
 * and the signer agreeing on the same mistake: lowercase hex HMAC-SHA256 of the raw bytes.
 */
export const TEST_APP_SECRET = 'test_app_secret_1';
export const TEST_VERIFY_TOKEN = 'test-verify-token';
export const TEST_ADMIN_TOKEN = 'test-admin-token';

/** The X-Hub-Signature-256 value for these exact bytes. */
export function metaSignature(body: Buffer | string, secret: string = TEST_APP_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Headers of a Meta delivery: JSON content type and the signature of `body`. */
export function signedHeaders(
  body: Buffer | string,
  secret: string = TEST_APP_SECRET,
): Record<string, string> {
  return { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body, secret) };
}

/** A small valid envelope whose `test_id` lets a test find this exact request in the inbox later. */
export function taggedBody(testId: string): Buffer {
  return Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry: [], test_id: testId }));
}

/** The `test_id` of a body made by taggedBody, or undefined for any other body. */
export function testIdOf(body: Buffer): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'test_id' in parsed) {
      const id = (parsed as { test_id: unknown }).test_id;
      return typeof id === 'string' ? id : undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}
