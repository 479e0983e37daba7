import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Slow clients (slow-loris) are cut at the documented deadlines: a client that drips its headers
 * loses the connection after WAHOOK_HEADERS_TIMEOUT, one that drips its body after
 * WAHOOK_REQUEST_TIMEOUT. Node checks deadlines only every `connectionsCheckingInterval` (30 s by
 * default), so without wahook's 1 s check both sockets lived 30 s longer than the settings say.
 */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ env: { WAHOOK_HEADERS_TIMEOUT: '1s', WAHOOK_REQUEST_TIMEOUT: '2s' } });
});
afterAll(async () => {
  await server?.cleanup();
});

interface Dripped {
  /** What the server answered before closing, if anything. */
  answer: string;
  /** Milliseconds from connecting until the server closed the connection. */
  closedAfterMs: number;
  /** Bytes the client managed to send before it was cut off. */
  sent: number;
}

/** Sends `head` at once, then one byte of `drip` every `everyMs` until the server closes. */
function drip(head: string, dripped: string, everyMs: number, giveUpMs: number): Promise<Dripped> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = net.connect(Number(port), '127.0.0.1');
    let answer = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      reject(new Error(`the server kept a dripping client for ${giveUpMs} ms`));
    }, giveUpMs);
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent < dripped.length && !socket.destroyed) socket.write(dripped[sent++]!);
      }, everyMs);
    });
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ answer, closedAfterMs: performance.now() - started, sent });
    });
  });
}

it('cuts a client that drips its headers after the headers deadline', async () => {
  const result = await drip(
    'POST /webhooks/whatsapp HTTP/1.1\r\nHost: x\r\n',
    'X-Slow: '.repeat(200),
    200,
    15_000,
  );
  expect(result.answer).toMatch(/^HTTP\/1\.1 408/);
  // 1 s deadline, checked every second: well before Node's 30 s default check would have cut it.
  expect(result.closedAfterMs).toBeLessThan(10_000);
  expect(result.sent).toBeLessThan(200 * 8);
});

it('cuts a client that drips its body after the request deadline', async () => {
  const body = '{"object":"whatsapp_business_account","entry":[]}'.padEnd(1_000, ' ');
  const head = `POST /webhooks/whatsapp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Hub-Signature-256: sha256=${'0'.repeat(64)}\r\nContent-Length: ${body.length}\r\n\r\n`;
  const result = await drip(head, body, 200, 15_000);
  expect(result.answer).toMatch(/^HTTP\/1\.1 408/);
  expect(result.closedAfterMs).toBeLessThan(10_000);
  expect(result.sent).toBeLessThan(body.length);
});

it('still serves a client that sends at a normal pace', async () => {
  const result = await drip(
    'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    '',
    1_000,
    15_000,
  );
  expect(result.answer).toMatch(/^HTTP\/1\.1 200/);
});
