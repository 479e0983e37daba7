import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small, honest webhook receiver standing in for "the other side" of the simulator: it checks
 * the HMAC over the raw bytes exactly as a correct receiver must, records every POST, and can be
 * told to fail. It also answers `GET /v1/messages/<wamid>` from what it accepted, merging statuses
 * by rank (or, to prove verification catches it, by arrival order).
 */
export interface ReceivedPost {
  readonly body: Buffer;
  readonly headers: IncomingHttpHeaders;
  readonly signatureValid: boolean;
  /** 1 for the first time these exact bytes arrived, 2 for the second, … */
  readonly copy: number;
}

export type Answer = number | 'hang';

export interface FakeReceiverOptions {
  readonly secret: string;
  /** Decides the answer to a correctly signed POST; default 200. */
  readonly answer?: (post: ReceivedPost) => Answer;
  /** How GET /v1/messages merges statuses: by rank (correct) or the last one that arrived. */
  readonly merge?: 'rank' | 'last_arrival';
  readonly adminToken?: string;
}

export interface FakeReceiver {
  readonly url: string;
  readonly baseUrl: string;
  readonly posts: ReceivedPost[];
  /** Bodies answered 200, in arrival order. */
  readonly accepted: Buffer[];
  close(): Promise<void>;
}

const RANK: Record<string, number> = { sent: 1, delivered: 2, read: 3, played: 4 };

export function verifySignature(
  body: Buffer,
  header: string | string[] | undefined,
  secret: string,
): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

interface MessageState {
  direction: 'inbound' | 'outbound';
  status: string;
}

type Json = { [key: string]: unknown };

function applyBody(states: Map<string, MessageState>, body: Buffer, merge: 'rank' | 'last_arrival'): void {
  const payload = JSON.parse(body.toString('utf8')) as { entry?: { changes?: { value?: Json }[] }[] };
  for (const entry of payload.entry ?? []) {
    for (const change of entry.changes ?? []) {
      const value = change.value ?? {};
      for (const message of (value.messages as Json[] | undefined) ?? []) {
        states.set(String(message.id), { direction: 'inbound', status: 'received' });
      }
      for (const status of (value.statuses as Json[] | undefined) ?? []) {
        const id = String(status.id);
        const next = String(status.status);
        const current = states.get(id);
        const keep =
          merge === 'rank' &&
          current !== undefined &&
          (current.status === 'failed' ||
            (next !== 'failed' && (RANK[current.status] ?? 0) >= (RANK[next] ?? 0)));
        if (!keep) states.set(id, { direction: 'outbound', status: next });
      }
    }
  }
}

export async function startFakeReceiver(options: FakeReceiverOptions): Promise<FakeReceiver> {
  const posts: ReceivedPost[] = [];
  const accepted: Buffer[] = [];
  const copies = new Map<string, number>();
  const states = new Map<string, MessageState>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'GET' && req.url?.startsWith('/v1/messages/')) {
        if (
          options.adminToken !== undefined &&
          req.headers.authorization !== `Bearer ${options.adminToken}`
        ) {
          res.writeHead(401).end();
          return;
        }
        const state = states.get(decodeURIComponent(req.url.slice('/v1/messages/'.length)));
        if (state === undefined) res.writeHead(404).end();
        else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state));
        return;
      }
      const body = Buffer.concat(chunks);
      const key = createHash('sha256').update(body).digest('hex');
      const copy = (copies.get(key) ?? 0) + 1;
      copies.set(key, copy);
      const post = {
        body,
        headers: req.headers,
        signatureValid: verifySignature(body, req.headers['x-hub-signature-256'], options.secret),
        copy,
      };
      posts.push(post);
      if (!post.signatureValid) {
        res.writeHead(401).end();
        return;
      }
      const answer = options.answer?.(post) ?? 200;
      if (answer === 'hang') return; // never answers; the sender's timeout has to end it
      if (answer === 200) {
        accepted.push(body);
        applyBody(states, body, options.merge ?? 'rank');
      }
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    url: `${baseUrl}/webhooks/whatsapp`,
    baseUrl,
    posts,
    accepted,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
