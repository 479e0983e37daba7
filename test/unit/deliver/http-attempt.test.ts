import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DeliveryHttp, postDelivery, RESPONSE_PREFIX_BYTES } from '../../../src/deliver/http-attempt.js';
import { type Answer, type Subscriber, startSubscriber } from '../../helpers/delivery-fixtures.js';

/** One attempt against real local HTTP servers: every way it ends is a value, never a throw. */
const servers: Subscriber[] = [];
const http = new DeliveryHttp({ allowPrivate: true });
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});
afterAll(() => http.close());

async function serve(answer: () => Answer): Promise<Subscriber> {
  const server = await startSubscriber(answer);
  servers.push(server);
  return server;
}

const attempt = (url: string, timeoutMs = 2_000) =>
  postDelivery(
    { url, body: '{"id":"evt_1"}', headers: { 'webhook-id': 'evt_1' }, timeoutMs },
    Date.now,
    http,
  );

describe('one delivery attempt', () => {
  it('posts JSON with the given headers and keeps only a short prefix of the answer', async () => {
    const server = await serve(() => ({
      status: 503,
      body: 'x'.repeat(5_000),
      headers: { 'retry-after': '7' },
    }));
    const outcome = await attempt(server.url);
    expect(outcome).toMatchObject({ kind: 'http_error', status: 503, retryAfterMs: 7_000 });
    expect(outcome.kind === 'http_error' && outcome.responsePrefix.length).toBe(RESPONSE_PREFIX_BYTES);
    expect(server.received[0]?.headers['content-type']).toBe('application/json');
    expect(server.received[0]?.headers['webhook-id']).toBe('evt_1');
    expect(server.received[0]?.body).toBe('{"id":"evt_1"}');
  });

  it('keeps an answer with NUL bytes readable and storable: U+FFFD in their place', async () => {
    const server = await serve(() => ({ status: 200, body: 'ok\u0000\u0000done' }));
    const outcome = await attempt(server.url);
    expect(outcome).toMatchObject({ kind: 'success', responsePrefix: 'ok\uFFFD\uFFFDdone' });
  });

  it('does not follow a redirect', async () => {
    const target = await serve(() => ({ status: 200 }));
    const moved = await serve(() => ({ status: 307, headers: { location: target.url } }));
    expect(await attempt(moved.url)).toMatchObject({ kind: 'redirect', status: 307, location: target.url });
    expect(target.received).toHaveLength(0);
  });

  it('ends a silent endpoint at the timeout', async () => {
    const silent = await serve(() => 'hang');
    expect(await attempt(silent.url, 50)).toMatchObject({ kind: 'timeout', timeoutMs: 50 });
  });

  it('names a refused connection', async () => {
    const gone = await serve(() => ({ status: 200 }));
    servers.pop();
    await gone.close();
    const outcome = await attempt(gone.url);
    expect(outcome).toMatchObject({
      kind: 'connection_error',
      message: expect.stringMatching(/^ECONNREFUSED/),
    });
  });
});
