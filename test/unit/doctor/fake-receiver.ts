import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the outside world's webhook receivers: by default an honest minimal one (checks
 * the verify token, the HMAC over the raw bytes, a body limit), with switches for the mistakes
 * the doctor must catch. It does not use wahook's own server on purpose.
 */
export interface FakeReceiverOptions {
  /** Serve over TLS with this key and certificate chain; plain HTTP without it. */
  readonly tls?: { readonly key: string; readonly cert: string };
  readonly verifyToken?: string;
  readonly appSecret?: string;
  readonly bodyLimitBytes?: number;
  /** Over the limit, drop the connection instead of answering 413, as some proxies do. */
  readonly resetOverLimit?: boolean;
  /** Highest TLS version offered, to imitate an outdated server. */
  readonly tlsMaxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  readonly echoAnyChallenge?: boolean;
  readonly acceptUnsigned?: boolean;
  /** Verify the HMAC over JSON.stringify(JSON.parse(body)), the classic mistake. */
  readonly hashReserializedJson?: boolean;
  /** Delay before answering a POST: the server's processing time. */
  readonly postDelayMs?: number;
  readonly redirectTo?: string;
}

export interface FakeReceiver {
  readonly url: string;
  readonly port: number;
  /** Bodies of POSTs answered 200. */
  readonly accepted: Buffer[];
  close(): Promise<void>;
}

export const WEBHOOK_PATH = '/webhooks/whatsapp';
export const TEST_VERIFY_TOKEN = 'doctor-test-verify-token';
export const TEST_APP_SECRET = 'doctor-test-app-secret';

export async function startFakeReceiver(options: FakeReceiverOptions = {}): Promise<FakeReceiver> {
  const accepted: Buffer[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => handle(options, accepted, req, res);
  const server: Server =
    options.tls === undefined
      ? createHttpServer(handler)
      : createHttpsServer({ ...options.tls, maxVersion: options.tlsMaxVersion ?? 'TLSv1.3' }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const scheme = options.tls === undefined ? 'http' : 'https';
  return {
    url: `${scheme}://127.0.0.1:${port}${WEBHOOK_PATH}`,
    port,
    accepted,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function handle(
  options: FakeReceiverOptions,
  accepted: Buffer[],
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const url = new URL(req.url ?? '/', 'http://placeholder');
  if (options.redirectTo !== undefined) {
    res.writeHead(301, { location: options.redirectTo }).end();
    return;
  }
  if (url.pathname !== WEBHOOK_PATH) {
    res.writeHead(404).end('not found');
    return;
  }
  if (req.method === 'GET') answerHandshake(options, url.searchParams, res);
  else if (req.method === 'POST') receivePost(options, accepted, req, res);
  else res.writeHead(405).end();
}

function answerHandshake(options: FakeReceiverOptions, query: URLSearchParams, res: ServerResponse): void {
  const token = query.get('hub.verify_token') ?? '';
  const challenge = query.get('hub.challenge') ?? '';
  const expected = options.verifyToken ?? TEST_VERIFY_TOKEN;
  const tokenMatches = query.get('hub.mode') === 'subscribe' && sameText(token, expected);
  if (tokenMatches || options.echoAnyChallenge === true) {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(challenge);
  } else {
    res.writeHead(403).end('forbidden');
  }
}

function receivePost(
  options: FakeReceiverOptions,
  accepted: Buffer[],
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const limit = options.bodyLimitBytes ?? 8 * 1024 * 1024;
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit && !refused) {
      refused = true;
      if (options.resetOverLimit === true) {
        req.socket.destroy();
        return;
      }
      // Keep reading (and dropping) the rest so the client sees the 413 instead of a reset.
      res.writeHead(413).end('payload too large');
    }
    if (!refused) chunks.push(chunk);
  });
  req.on('end', () => {
    if (refused) return;
    const body = Buffer.concat(chunks);
    const signature = req.headers['x-hub-signature-256'];
    if (options.acceptUnsigned !== true && !signatureMatches(options, body, signature)) {
      res.writeHead(401).end('bad signature');
      return;
    }
    setTimeout(() => {
      accepted.push(body);
      res.writeHead(200).end('ok');
    }, options.postDelayMs ?? 0);
  });
}

function signatureMatches(
  options: FakeReceiverOptions,
  body: Buffer,
  header: string | string[] | undefined,
): boolean {
  if (typeof header !== 'string') return false;
  let signed: Buffer | string = body;
  if (options.hashReserializedJson === true) {
    try {
      signed = JSON.stringify(JSON.parse(body.toString('utf8')));
    } catch {
      return false;
    }
  }
  const expected = `sha256=${createHmac('sha256', options.appSecret ?? TEST_APP_SECRET)
    .update(signed)
    .digest('hex')}`;
  return sameText(header, expected);
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
