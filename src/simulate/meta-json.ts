import { createHmac } from 'node:crypto';

/**
 * Serializes and signs a payload the way Meta does, so receivers are tested against the bytes they
 * will really get: no whitespace, every non-ASCII character as a `\uXXXX` escape with lower-case
 * hex (characters outside the BMP as UTF-16 surrogate pairs), and `/` written as `\/`.
 * A receiver that re-serializes before checking the HMAC fails against these bytes, as it would
 * against Meta.
 *
 * Non-ASCII characters and `/` can only occur inside JSON strings, so escaping them in
 * JSON.stringify's output cannot touch the structure. JavaScript strings are UTF-16 already, so each
 * code unit above 0x7f maps to exactly one escape and astral characters become surrogate pairs.
 */
const CHARS_META_ESCAPES = /[\u0080-\uffff/]/g;

function escapeLikeMeta(char: string): string {
  if (char === '/') return '\\/';
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

export function serializeMeta(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new Error('serializeMeta: the value has no JSON form');
  return json.replace(CHARS_META_ESCAPES, escapeLikeMeta);
}

/** The request body bytes: the escaped text is pure ASCII, so its UTF-8 bytes are the text itself. */
export function serializeMetaBytes(value: unknown): Buffer {
  return Buffer.from(serializeMeta(value), 'utf8');
}

/** The `X-Hub-Signature-256` header value for a body: HMAC-SHA256 over the exact bytes, hex. */
export function signMeta(body: Uint8Array | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
