import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 over
 * `<webhook-id>.<webhook-timestamp>.<body>` with the key inside the `whsec_` secret, sent as
 * `webhook-signature: v1,<base64>`. Signed with node:crypto (the reference library's pure-JS
 * SHA-256 took twice as long per attempt); the tests check every signature with the library's
 * `verify`, as a subscriber would.
 */
const SECRET_BYTES = 32;

/** `whsec_` + base64 of 32 random bytes (the spec asks for 24 to 64). */
export function generateSecret(): string {
  return `whsec_${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** Why a given secret is unusable, or null when it is a valid `whsec_` secret. */
export function secretProblem(secret: string): string | null {
  if (!secret.startsWith('whsec_')) return 'must start with whsec_ (then base64 of 24 to 64 random bytes)';
  const encoded = secret.slice('whsec_'.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) {
    return 'the part after whsec_ must be standard base64 (A-Z, a-z, 0-9, +, /, = padding)';
  }
  const bytes = Buffer.from(encoded, 'base64').length;
  if (bytes < 24 || bytes > 64)
    return `the key is ${bytes} bytes; use 24 to 64 (e.g. openssl rand -base64 32)`;
  return null;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The three signature headers for one attempt; the id stays the same on every attempt and replay. */
export function signatureHeaders(
  secret: string,
  messageId: string,
  nowMs: number,
  body: string,
): SignedHeaders {
  const timestamp = String(Math.floor(nowMs / 1000));
  const signature = createHmac('sha256', signingKey(secret))
    .update(`${messageId}.${timestamp}.${body}`)
    .digest('base64');
  return { 'webhook-id': messageId, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}

/** The key inside a `whsec_` secret (without the prefix, the secret is the base64 key, as the library reads it). */
function signingKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}
