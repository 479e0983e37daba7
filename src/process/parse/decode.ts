/** Turns raw body bytes into a JSON value, or a reason an operator can act on. */
import { isRecord } from './normalize.js';

export type Decoded = { ok: true; value: Record<string, unknown> } | { ok: false; reason: string };

/** Far deeper than any WhatsApp payload, shallow enough that nothing downstream can overflow the stack. */
export const MAX_NESTING_DEPTH = 64;
const MAX_REASON_DETAIL = 160;
/** Whitespace only; tested without copying the body as trim() would. */
const BLANK = /^\s*$/;

export function decodeJsonObject(body: Buffer | string): Decoded {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  // A byte-order mark is not JSON, but it says nothing about the content either.
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (BLANK.test(json)) return { ok: false, reason: 'invalid JSON: the body is empty' };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return { ok: false, reason: describeSyntaxError(error) };
  }
  if (!isRecord(value)) return { ok: false, reason: `not a JSON object: the body is ${jsonTypeOf(value)}` };
  if (nestingExceeds(value, MAX_NESTING_DEPTH)) {
    return {
      ok: false,
      reason: `nested deeper than ${MAX_NESTING_DEPTH} levels; WhatsApp payloads are far shallower`,
    };
  }
  return { ok: true, value };
}

/** V8 quotes the whole input in some messages; keep the position and the problem, not the body. */
function describeSyntaxError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const positioned = /^(.*?) in JSON at position (\d+)/s.exec(message);
  if (positioned) return `invalid JSON at position ${positioned[2]}: ${clip(positioned[1] ?? '')}`;
  // `Unexpected token 'x', "<input>" is not valid JSON`; long inputs are cut with `...` on either side.
  const quoted = /^(.*?), (?:\.\.\.)?".*is not valid JSON$/s.exec(message);
  return `invalid JSON: ${clip(quoted?.[1] ?? message)}`;
}

function clip(text: string): string {
  // Control characters V8 quotes here are escaped with every other reason, in parseEnvelope.
  return text.length > MAX_REASON_DETAIL ? `${text.slice(0, MAX_REASON_DETAIL)}…` : text;
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * Recursive but bounded: it descends at most `limit` levels, so the check itself cannot overflow
 * on the input it guards against. It runs on every body, so it walks without allocating.
 */
function nestingExceeds(value: unknown, limit: number, depth = 1): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth > limit) return true;
  if (Array.isArray(value)) {
    for (const child of value) if (nestingExceeds(child, limit, depth + 1)) return true;
    return false;
  }
  for (const key in value) {
    // for…in also walks inherited enumerable keys; only the parsed object's own count.
    if (!Object.hasOwn(value, key)) continue;
    if (nestingExceeds((value as Record<string, unknown>)[key], limit, depth + 1)) return true;
  }
  return false;
}
