import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';

/**
 * One HTTP POST attempt whose outcome is a value, never an exception: the sender decides what to
 * retry from it. Latency runs until the whole answer has been read.
 */
export type AttemptResult =
  | { readonly kind: 'answered'; readonly status: number; readonly latencyMs: number }
  | { readonly kind: 'timeout'; readonly latencyMs: number }
  | { readonly kind: 'connection_error'; readonly message: string; readonly latencyMs: number };

export interface PostRequest {
  readonly url: URL;
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly agent: http.Agent;
}

export function createAgent(url: URL, maxSockets: number): http.Agent {
  const options = { keepAlive: true, maxSockets };
  return url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
}

function describeConnectionError(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === undefined ? err.message : `${code}: ${err.message}`;
}

export function postOnce(request: PostRequest): Promise<AttemptResult> {
  const transport = request.url.protocol === 'https:' ? https : http;
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  return new Promise((resolve) => {
    let settled = false;
    let timedOut = false;
    const settle = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const req = transport.request(request.url, {
      method: 'POST',
      agent: request.agent,
      headers: { ...request.headers, 'Content-Length': String(request.body.length) },
    });
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new Error(`no answer within ${request.timeoutMs} ms`));
    }, request.timeoutMs);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => settle({ kind: 'answered', status: res.statusCode ?? 0, latencyMs: elapsed() }));
      // An answer cut short also emits 'close', which settles the attempt; the error adds nothing.
      res.on('error', () => undefined);
      res.on('close', () =>
        settle(
          timedOut
            ? { kind: 'timeout', latencyMs: elapsed() }
            : { kind: 'connection_error', message: 'the connection closed mid-answer', latencyMs: elapsed() },
        ),
      );
    });
    req.on('error', (err) => {
      if (timedOut) settle({ kind: 'timeout', latencyMs: elapsed() });
      else settle({ kind: 'connection_error', message: describeConnectionError(err), latencyMs: elapsed() });
    });
    req.end(request.body);
  });
}
