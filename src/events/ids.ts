/**
 * Deterministic event ids. An id is derived only from what identifies the event in the payload, so
 * a Meta retry, a cross-app copy or a reprocessed inbox row yields the same id and dedupes itself.
 *
 * Parts are hashed as a JSON array, which escapes every character that could otherwise let
 * `["a|b", "c"]` and `["a", "b|c"]` collide. 26 base32 characters keep 130 bits of the digest:
 * compact, URL-safe, and far past any realistic collision risk.
 */
import * as crypto from 'node:crypto';

export type EventIdKind = 'message' | 'echo' | 'status' | 'error' | 'field' | 'stuck';

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const ID_LENGTH = 26;

type OneShotHash = (algorithm: string, data: string, encoding: 'buffer') => Buffer;
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;
/**
 * Every event of every processed row gets an id, so this is on the hot path: the one-shot
 * `crypto.hash` (Node ≥ 20.12) skips the Hash object and costs about a third of createHash's
 * ~2.5 µs for input this short; older Node versions take the long way.
 */
const sha256: (data: string) => Buffer = oneShot
  ? (data) => oneShot('sha256', data, 'buffer')
  : (data) => crypto.createHash('sha256').update(data).digest();

export function eventIdFor(kind: EventIdKind, parts: readonly string[]): string {
  const digest = sha256(JSON.stringify([kind, ...parts]));
  return `evt_${base32(digest, ID_LENGTH)}`;
}

/** A short digest (16 base32 characters, 80 bits) of a value's canonical JSON, for comparing content. */
export function contentDigest(value: unknown): string {
  return base32(sha256(canonicalJson(value)), 16);
}

/** JSON with object keys sorted at every depth, so equal content hashes equally whatever its key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value)) ?? 'null';
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value === null || typeof value !== 'object') return value;
  // fromEntries defines own properties, so a `__proto__` key from JSON stays data, never a prototype.
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeysDeep((value as Record<string, unknown>)[key])]),
  );
}

const ALPHABET_CODES = Array.from(BASE32_ALPHABET, (char) => char.charCodeAt(0));

/** The first `length` base32 characters of `bytes`, built as one string (this runs once per event). */
function base32(bytes: Uint8Array, length: number): string {
  const codes = new Array<number>(length);
  let buffer = 0;
  let bits = 0;
  let next = 0;
  for (let i = 0; next < length; i++) {
    buffer = ((buffer << 8) | (bytes[i] ?? 0)) & 0xffff;
    bits += 8;
    while (bits >= 5 && next < length) {
      bits -= 5;
      codes[next++] = ALPHABET_CODES[(buffer >>> bits) & 31]!;
    }
  }
  return String.fromCharCode(...codes);
}
