import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Meta signs the raw request bytes: `X-Hub-Signature-256: sha256=<lowercase hex HMAC-SHA256>`,
 * keyed with the app secret. We verify the bytes exactly as received (never re-serialized JSON),
 * accept any configured secret (rotation, several apps on one URL), and compare in constant time:
 * every secret is tried even after a match, so timing does not reveal which one matched.
 */
export type SignatureVerdict = { ok: true; secretIndex: number } | { ok: false; reason: SignatureFailure };

export type SignatureFailure =
  | 'signature_missing'
  | 'signature_bad_prefix'
  | 'signature_bad_length'
  | 'signature_not_hex'
  | 'signature_mismatch';

const PREFIX = 'sha256=';
const HEX_64 = /^[0-9a-fA-F]{64}$/;

export function verifyMetaSignature(
  body: Buffer,
  header: string | undefined,
  secrets: readonly string[],
): SignatureVerdict {
  if (header === undefined || header.length === 0) return { ok: false, reason: 'signature_missing' };
  if (!header.startsWith(PREFIX)) return { ok: false, reason: 'signature_bad_prefix' };
  const hex = header.slice(PREFIX.length);
  if (hex.length !== 64) return { ok: false, reason: 'signature_bad_length' };
  if (!HEX_64.test(hex)) return { ok: false, reason: 'signature_not_hex' };
  const given = Buffer.from(hex, 'hex');
  let matched = -1;
  for (let index = 0; index < secrets.length; index++) {
    const expected = createHmac('sha256', secrets[index]!).update(body).digest();
    if (timingSafeEqual(expected, given) && matched === -1) matched = index;
  }
  return matched === -1 ? { ok: false, reason: 'signature_mismatch' } : { ok: true, secretIndex: matched };
}

export function signMetaBody(body: Buffer | string, secret: string): string {
  return `${PREFIX}${createHmac('sha256', secret).update(body).digest('hex')}`;
}
