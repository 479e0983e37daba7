import { performance } from 'node:perf_hooks';
import { Agent, type Dispatcher, request } from 'undici';
import { type AttemptOutcome, classifyResponse } from './outcome.js';
import { guardedLookup, type Resolve, refusedTarget, TARGET_REFUSED } from './target-policy.js';

/**
 * One HTTP POST of a delivery, as a value (never a throw). Redirects are not followed: a 3xx would
 * carry a signed body to a URL nobody configured, so it is a failure that names the new location.
 * The timeout covers the whole attempt, including reading the start of the answer, of which only
 * RESPONSE_PREFIX_BYTES are kept: enough to read a subscriber's error, too little to make the
 * attempt log a way of reading pages from wherever a subscription points.
 *
 * Requests go through undici with keep-alive connections (one pool per origin, so per subscriber),
 * and every connection's address passes the target policy at connect time (target-policy.ts).
 */
export const RESPONSE_PREFIX_BYTES = 256;

export interface AttemptRequest {
  url: string;
  body: string;
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
}

export interface DeliveryHttpOptions {
  /** WAHOOK_DELIVERY_ALLOW_PRIVATE: loopback and private targets are allowed. */
  allowPrivate: boolean;
  /** How host names are resolved (tests stand in for DNS here); the system resolver otherwise. */
  resolve?: Resolve;
}

/** The connections of one delivery loop: keep-alive pools per origin behind the target policy. */
export class DeliveryHttp {
  private readonly agent: Agent;

  constructor(private readonly options: DeliveryHttpOptions) {
    this.agent = new Agent({
      connect: { lookup: guardedLookup(options.allowPrivate, options.resolve) },
      keepAliveTimeout: 4_000,
    });
  }

  /** The policy for a URL whose host is an address: no lookup runs for those, so it is checked here. */
  refusal(url: string): string | null {
    return refusedTarget(url, this.options);
  }

  get dispatcher(): Dispatcher {
    return this.agent;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

export async function postDelivery(
  attempt: AttemptRequest,
  now: () => number,
  http: DeliveryHttp,
): Promise<AttemptOutcome> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const refused = http.refusal(attempt.url);
  if (refused) return { kind: 'connection_error', latencyMs: 0, message: `refused: ${refused}` };
  try {
    const response = await request(attempt.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...attempt.headers },
      body: attempt.body,
      dispatcher: http.dispatcher,
      signal: AbortSignal.timeout(attempt.timeoutMs),
    });
    const responsePrefix = await readPrefix(response.body, RESPONSE_PREFIX_BYTES);
    return classifyResponse(
      {
        status: response.statusCode,
        retryAfter: headerValue(response.headers['retry-after']),
        location: headerValue(response.headers.location),
        latencyMs: elapsed(),
        responsePrefix,
      },
      now(),
    );
  } catch (err) {
    if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
      return { kind: 'timeout', latencyMs: elapsed(), timeoutMs: attempt.timeoutMs };
    }
    return { kind: 'connection_error', latencyMs: elapsed(), message: describeRequestError(err) };
  }
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

/** Reads at most `max` bytes of the answer, then lets the rest go; a failed read keeps what arrived. */
async function readPrefix(body: AsyncIterable<Buffer>, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      // Leaving the loop early destroys the rest of the answer (and that connection).
      if (size >= max) break;
    }
  } catch {
    // The answer was cut off or timed out mid-body: the status already decides the outcome.
  }
  // PostgreSQL text cannot hold a NUL (recording the attempt would fail, and the delivery with it);
  // the prefix is for reading, so a binary answer is shown with U+FFFD in its place.
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, max)).replaceAll('\u0000', '\uFFFD');
}

/** `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1`; a refused target says only why. */
function describeRequestError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const found = (err.cause instanceof Error ? err.cause : err) as Error & { code?: string };
  if (found.code === TARGET_REFUSED) return `refused: ${found.message}`;
  return found.code && !found.message.startsWith(found.code)
    ? `${found.code}: ${found.message}`
    : found.message;
}
