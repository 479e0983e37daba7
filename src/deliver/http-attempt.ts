import { performance } from 'node:perf_hooks';
import { type AttemptOutcome, classifyResponse } from './outcome.js';

/**
 * One HTTP POST of a delivery, as a value (never a throw). Redirects are not followed: a 3xx would
 * carry a signed body to a URL nobody configured, so it is a failure that names the new location.
 * The timeout covers the whole attempt, including reading the first KiB of the answer.
 */
export const RESPONSE_PREFIX_BYTES = 1024;

export interface AttemptRequest {
  url: string;
  body: string;
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
}

export type Fetch = typeof fetch;

export async function postDelivery(
  request: AttemptRequest,
  now: () => number,
  fetchImpl: Fetch = fetch,
): Promise<AttemptOutcome> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  try {
    const response = await fetchImpl(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...request.headers },
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const responsePrefix = await readPrefix(response.body, RESPONSE_PREFIX_BYTES);
    return classifyResponse(
      {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        location: response.headers.get('location'),
        latencyMs: elapsed(),
        responsePrefix,
      },
      now(),
    );
  } catch (err) {
    if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
      return { kind: 'timeout', latencyMs: elapsed(), timeoutMs: request.timeoutMs };
    }
    return { kind: 'connection_error', latencyMs: elapsed(), message: describeFetchError(err) };
  }
}

/** Reads at most `max` bytes of the answer, then lets the rest go; a failed read keeps what arrived. */
async function readPrefix(body: ReadableStream<Uint8Array> | null, max: number): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // The answer was cut off or timed out mid-body: the status already decides the outcome.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  // PostgreSQL text cannot hold a NUL (recording the attempt would fail, and the delivery with it);
  // the prefix is for reading, so a binary answer is shown with U+FFFD in its place.
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, max)).replaceAll('\u0000', '\uFFFD');
}

/** `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1` rather than undici's bare "fetch failed". */
function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as (Error & { code?: string }) | undefined;
  if (cause instanceof Error) return cause.code ? `${cause.code}: ${cause.message}` : cause.message;
  return err.message;
}
