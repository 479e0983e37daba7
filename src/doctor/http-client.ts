import type { LookupAddress } from 'node:dns';
import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { describeError } from './dns.js';
import type { DoctorSettings } from './options.js';
import { trustedCas } from './tls-probe.js';

export interface HttpExchange {
  readonly method: 'GET' | 'POST';
  /** Query parameters added to the webhook URL's own. */
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: OutgoingHttpHeaders;
  readonly body?: Buffer;
  readonly timeoutMs: number;
}

export type HttpOutcome =
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly location: string | undefined;
      /** The start of the body, enough to compare a challenge or show an error. */
      readonly body: string;
      readonly elapsedMs: number;
    }
  | {
      readonly kind: 'no-answer';
      readonly error: string;
      readonly timedOut: boolean;
      readonly elapsedMs: number;
    };

export interface HttpSession {
  send(exchange: HttpExchange): Promise<HttpOutcome>;
  close(): void;
}

const BODY_KEEP_BYTES = 64 * 1024;

/**
 * One kept-alive connection to the address the TCP check chose, so every probe talks to the same
 * server and timings measure the answer, not repeated TLS setup. Trust is not enforced here: the
 * TLS checks already judged it, and the remaining checks are still worth running on a bad certificate.
 */
export function createHttpSession(settings: DoctorSettings, address: LookupAddress): HttpSession {
  const secure = settings.url.protocol === 'https:';
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false, ca: trustedCas(settings) })
    : new HttpAgent({ keepAlive: true, maxSockets: 1 });
  const lookup = pinnedLookup(address);
  return {
    send: (exchange) => send(settings.url, exchange, { agent, lookup, secure }),
    close: () => agent.destroy(),
  };
}

interface Transport {
  readonly agent: HttpAgent;
  readonly lookup: LookupFunction;
  readonly secure: boolean;
}

function send(base: URL, exchange: HttpExchange, transport: Transport): Promise<HttpOutcome> {
  const url = new URL(base);
  for (const [key, value] of Object.entries(exchange.query ?? {})) url.searchParams.set(key, value);
  const headers: OutgoingHttpHeaders = { 'user-agent': 'wahook-doctor', ...exchange.headers };
  if (exchange.body !== undefined) headers['content-length'] = exchange.body.length;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);

  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: HttpOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const makeRequest = transport.secure ? httpsRequest : httpRequest;
    const req = makeRequest(url, {
      method: exchange.method,
      headers,
      agent: transport.agent,
      lookup: transport.lookup,
    });
    const timer = setTimeout(() => {
      settle({
        kind: 'no-answer',
        error: `no answer within ${exchange.timeoutMs} ms`,
        timedOut: true,
        elapsedMs: elapsed(),
      });
      req.destroy();
    }, exchange.timeoutMs);
    // A server that answers early (413) may close while the body is still being written; the answer
    // counts, the write error after it does not.
    req.on('error', (error) =>
      settle({ kind: 'no-answer', error: describeError(error), timedOut: false, elapsedMs: elapsed() }),
    );
    req.on('response', (res) => {
      readBody(res).then(
        (body) =>
          settle({
            kind: 'answer',
            status: res.statusCode ?? 0,
            location: res.headers.location,
            body,
            elapsedMs: elapsed(),
          }),
        (error: unknown) =>
          settle({ kind: 'no-answer', error: describeError(error), timedOut: false, elapsedMs: elapsed() }),
      );
    });
    req.end(exchange.body);
  });
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    res.on('data', (chunk: Buffer) => {
      if (kept < BODY_KEEP_BYTES) {
        chunks.push(chunk);
        kept += chunk.length;
      }
    });
    res.once('end', () => resolve(Buffer.concat(chunks).subarray(0, BODY_KEEP_BYTES).toString('utf8')));
    res.once('error', reject);
  });
}

function pinnedLookup(address: LookupAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all === true) callback(null, [address]);
    else callback(null, address.address, address.family);
  };
}

export function describeOutcome(outcome: HttpOutcome): string {
  if (outcome.kind === 'no-answer') return outcome.error;
  const redirect = outcome.location === undefined ? '' : ` to ${outcome.location}`;
  return `HTTP ${outcome.status}${redirect} after ${outcome.elapsedMs} ms`;
}

export function isRedirect(outcome: HttpOutcome): boolean {
  return outcome.kind === 'answer' && outcome.status >= 300 && outcome.status < 400;
}
