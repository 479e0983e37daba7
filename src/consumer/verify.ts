import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WahookEvent } from '../events/types.js';

/**
 * Checks a pushed event the way the Standard Webhooks spec says (https://www.standardwebhooks.com):
 * HMAC-SHA256, keyed by the bytes inside the subscription's `whsec_` secret, over
 * `<webhook-id>.<webhook-timestamp>.<raw body>`, against each `v1,<base64>` in `webhook-signature`
 * (several during a secret rotation), compared in constant time; a timestamp further than the
 * tolerance from now is refused, so a captured request cannot be replayed later. Node built-ins only:
 * this module, like all of `wahook/consumer`, pulls in none of the server's dependencies.
 */
/** A fetch `Headers`, or an object of header names to values (Node's `IncomingHttpHeaders`, …). */
export type HeadersLike = { get(name: string): string | null } | object;

export interface VerifyOptions {
  /** Largest distance between the signed timestamp and now, in seconds (default 300). */
  toleranceSeconds?: number;
  /** The current time in milliseconds since the epoch (default Date.now()). */
  now?: number;
}

export type VerificationFailure =
  | 'missing_header'
  | 'bad_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'bad_secret'
  | 'signature_mismatch'
  | 'bad_json'
  | 'batch_body';

export class EventVerificationError extends Error {
  readonly reason: VerificationFailure;
  constructor(reason: VerificationFailure, message: string) {
    super(message);
    this.name = 'EventVerificationError';
    this.reason = reason;
  }
}

const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

/**
 * The event a request carries once its signature and timestamp check out; throws an
 * EventVerificationError (with `reason`) otherwise. `rawBody` is the body exactly as received:
 * parse nothing before this, since re-serialised JSON no longer matches the signature. `secret` is
 * the subscription's `whsec_…` secret, or several while one replaces another.
 */
export function verifyEvent(
  headers: HeadersLike,
  rawBody: string | Uint8Array,
  secret: string | readonly string[],
  options: VerifyOptions = {},
): WahookEvent {
  const parsed = verifiedJson(headers, rawBody, secret, options);
  if (Array.isArray(parsed)) {
    throw new EventVerificationError(
      'batch_body',
      'the body is a batch of events (the subscription has "batch" set): read it with verifyBatch',
    );
  }
  return parsed as WahookEvent;
}

/**
 * The events of a request to a batched subscription (a JSON array, signed as one message under the
 * batch's webhook-id), after the same checks as verifyEvent; a single-event body (a replayed dead
 * letter, a test event) comes back as an array of one, so one handler serves both.
 */
export function verifyBatch(
  headers: HeadersLike,
  rawBody: string | Uint8Array,
  secret: string | readonly string[],
  options: VerifyOptions = {},
): WahookEvent[] {
  const parsed = verifiedJson(headers, rawBody, secret, options);
  return Array.isArray(parsed) ? (parsed as WahookEvent[]) : [parsed as WahookEvent];
}

function verifiedJson(
  headers: HeadersLike,
  rawBody: string | Uint8Array,
  secret: string | readonly string[],
  options: VerifyOptions,
): unknown {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (id === undefined || timestamp === undefined || signatures === undefined) {
    throw new EventVerificationError(
      'missing_header',
      'the request lacks webhook-id, webhook-timestamp or webhook-signature',
    );
  }
  if (!/^\d{1,15}$/.test(timestamp)) {
    throw new EventVerificationError(
      'bad_timestamp',
      'webhook-timestamp must be whole seconds since the epoch',
    );
  }
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const skew = Math.floor((options.now ?? Date.now()) / 1000) - Number(timestamp);
  if (skew > tolerance) {
    throw new EventVerificationError('timestamp_too_old', `the request was signed ${skew} s ago`);
  }
  if (skew < -tolerance) {
    throw new EventVerificationError('timestamp_too_new', `the request is signed ${-skew} s in the future`);
  }

  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : Buffer.from(rawBody);
  const given = signatures
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'base64'));
  let matched = false;
  for (const key of (typeof secret === 'string' ? [secret] : secret).map(keyOf)) {
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
    // Every candidate is compared, so the time taken does not say which one (or whether any) matched.
    for (const signature of given) {
      if (signature.length === expected.length && timingSafeEqual(signature, expected)) matched = true;
    }
  }
  if (!matched) {
    throw new EventVerificationError(
      'signature_mismatch',
      'no v1 signature matches the body under the given secret',
    );
  }
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new EventVerificationError('bad_json', 'the signed body is not JSON');
  }
}

function keyOf(secret: string): Buffer {
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
    throw new EventVerificationError('bad_secret', 'the secret must be whsec_ followed by base64');
  }
  return key;
}

function header(headers: HeadersLike, name: string): string | undefined {
  const fetchHeaders = headers as { get?: unknown };
  if (typeof fetchHeaders.get === 'function') {
    return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, unknown>>;
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  if (typeof value === 'string') return value;
  return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
}
