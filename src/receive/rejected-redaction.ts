/**
 * What the rejected-request log keeps of a refused request. Refused requests are mostly Meta's
 * own webhooks under a wrong secret, so their bodies carry phone numbers, names and message
 * texts, and unknown headers may carry API keys: nothing of that may sit in a troubleshooting
 * table. The log keeps what helps find the cause: header values only for an allow list of
 * headers that never authenticate (others show their length), and of a JSON body its shape,
 * with the values of a few structural keys (`object`, `field`, `type`, `status`…) and every other
 * string or number replaced by its kind and length. A body that is not JSON keeps only its size.
 */
const KEPT_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'connection',
  'content-encoding',
  'content-length',
  'content-type',
  'host',
  'transfer-encoding',
  'user-agent',
  'via',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
  'x-request-id',
]);

/** Keys whose string values name structure, never a person or a text. */
const KEPT_VALUES = new Set(['object', 'field', 'messaging_product', 'type', 'status', 'category']);

/** Bodies larger than this are not parsed for their shape: a flood of refusals must stay cheap. */
const MAX_PARSED_BYTES = 64 * 1024;

export function redactHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    out[name] = KEPT_HEADERS.has(name) ? text.slice(0, 512) : `[redacted, ${text.length} chars]`;
  }
  return out;
}

/** The JSON shape of `body` (see above), at most `maxBytes` of it. */
export function bodyShape(body: Buffer, maxBytes: number): Buffer {
  if (body.length === 0) return body;
  if (body.length > MAX_PARSED_BYTES) return Buffer.from(`[${body.length} bytes, not summarised]`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return Buffer.from(`[${body.length} bytes, not JSON]`);
  }
  return Buffer.from(JSON.stringify(shapeOf(parsed, undefined)).slice(0, maxBytes));
}

function shapeOf(value: unknown, key: string | undefined): unknown {
  if (typeof value === 'string') {
    return key !== undefined && KEPT_VALUES.has(key) ? value.slice(0, 64) : `[string, ${value.length} chars]`;
  }
  if (typeof value === 'number') return '[number]';
  if (Array.isArray(value)) return value.map((item) => shapeOf(item, undefined));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, shapeOf(item, name)]));
  }
  return value;
}
