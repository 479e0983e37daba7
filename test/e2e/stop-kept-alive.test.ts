import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * A stop must not wait for a client's kept-alive connection: a request already in flight when the
 * stop began is answered, and its connection, idle afterwards, is closed by the server even though
 * the client would keep it open for good.
 */
let server: TestServer | undefined;
let socket: Socket | undefined;
afterEach(async () => {
  socket?.destroy();
  await server?.cleanup();
});

describe('stop with a kept-alive connection', () => {
  it('answers the request in flight and closes the connection once it is idle', async () => {
    server = await startTestServer();
    const { port } = new URL(server.url);
    const body = '{"object":"whatsapp_business_account","entry":[]}';
    const open = connect(Number(port), '127.0.0.1');
    socket = open;
    await new Promise<void>((resolve) => open.once('connect', resolve));
    let received = '';
    open.on('data', (chunk) => {
      received += chunk.toString();
    });
    const closed = new Promise<void>((resolve) => open.once('close', () => resolve()));
    // Headers and half the body before the stop: the request is in flight when it begins.
    open.write(
      `POST /webhooks/whatsapp HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopped = server.stop();
    await new Promise((resolve) => setTimeout(resolve, 200));
    open.write(body.slice(10));
    await stopped;
    await closed;
    // Unsigned, so refused; what matters is that it was answered and the stop did not wait on it.
    expect(received).toMatch(/^HTTP\/1\.1 401 /);
  });
});
