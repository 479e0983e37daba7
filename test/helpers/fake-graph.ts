import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { FakeGraph, type FakeGraphOptions } from '../../src/fake-graph/fake-graph.js';
import { listenFakeGraph, type RunningFakeGraph } from '../../src/fake-graph/server.js';
import { BUSINESS_NUMBERS } from '../../src/simulate/payloads/people.js';
import { TEST_APP_SECRET } from './signing.js';

export const FAKE_TOKEN = 'fake-graph-token';
export const PHONE_NUMBER_ID = BUSINESS_NUMBERS[0]!.phoneNumberId;

/** The fake Graph API on port 0, webhooks to `webhookUrl` (or none), signed with the test app secret. */
export async function startFakeGraph(
  options: Partial<FakeGraphOptions> & { webhookUrl?: string } = {},
): Promise<RunningFakeGraph> {
  const { webhookUrl, ...rest } = options;
  const fake = new FakeGraph({
    clock: { now: () => Date.now() },
    numbers: BUSINESS_NUMBERS,
    accessTokens: [FAKE_TOKEN],
    webhook: webhookUrl ? { url: webhookUrl, appSecret: TEST_APP_SECRET } : null,
    stepMs: 5,
    ...rest,
  });
  return listenFakeGraph(fake);
}

export interface ReceivedPost {
  body: Buffer;
  signatureValid: boolean;
  json: { entry: { changes: { value: { statuses?: Record<string, unknown>[] } }[] }[] };
}

/** A bare receiver that records every POST and checks its signature on its own. */
export async function startRecordingReceiver(): Promise<{
  url: string;
  posts: ReceivedPost[];
  statuses(): Record<string, unknown>[];
  close(): Promise<void>;
}> {
  const posts: ReceivedPost[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const expected = `sha256=${createHmac('sha256', TEST_APP_SECRET).update(body).digest('hex')}`;
      const given = String(request.headers['x-hub-signature-256'] ?? '');
      const signatureValid =
        given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
      posts.push({ body, signatureValid, json: JSON.parse(body.toString('utf8')) });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/webhooks/whatsapp`,
    posts,
    statuses: () =>
      posts.flatMap((post) =>
        post.json.entry.flatMap((entry) => entry.changes.flatMap((change) => change.value.statuses ?? [])),
      ),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
