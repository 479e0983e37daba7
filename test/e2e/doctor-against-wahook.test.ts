import { request as httpRequest } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor/run.js';
import { createStages } from '../../src/stages.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { TEST_APP_SECRET, TEST_VERIFY_TOKEN } from '../helpers/signing.js';
import { createTestCa, type TestCa } from '../helpers/tls-fixtures.js';

/**
 * wahook's own doctor pointed at wahook's own receiver, as a user would deploy it: behind a
 * TLS-terminating proxy (made here from node:https, forwarding to the server on loopback).
 */
describe('wahook doctor against wahook serve', () => {
  let server: TestServer;
  let ca: TestCa;
  let proxy: ReturnType<typeof createHttpsServer>;
  let proxyUrl: string;

  beforeAll(async () => {
    server = await startTestServer({ stages: createStages });
    ca = await createTestCa();
    const leaf = await ca.issueLeaf({ commonName: 'localhost', altNames: ['DNS:localhost', 'IP:127.0.0.1'] });
    const target = new URL(server.url);
    proxy = createHttpsServer({ key: leaf.key, cert: leaf.fullChain }, (req, res) => {
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `https://localhost:${(proxy.address() as AddressInfo).port}/webhooks/whatsapp`;
  });

  afterAll(async () => {
    proxy?.closeAllConnections();
    await new Promise((resolve) => proxy?.close(resolve));
    await server?.cleanup();
    await ca?.cleanup();
  });

  it('passes every protocol check through a trusted TLS proxy', async () => {
    const report = await runDoctor({
      url: proxyUrl,
      verifyToken: TEST_VERIFY_TOKEN,
      appSecret: TEST_APP_SECRET,
      ca: ca.root,
      latencySamples: 3,
    });
    const failed = report.checks.filter((check) => check.status === 'fail');
    expect(failed, JSON.stringify(failed, null, 2)).toEqual([]);
    const byId = new Map(report.checks.map((check) => [check.id, check.status]));
    for (const id of [
      'tls-trust',
      'handshake',
      'wrong-token',
      'signed-post',
      'unsigned-post',
      'bad-signature',
      'body-limit',
    ]) {
      expect(byId.get(id), id).toBe('pass');
    }
  });

  it('fails the HTTPS check, naming the fix, when pointed at plain http', async () => {
    const report = await runDoctor({
      url: `${server.url}/webhooks/whatsapp`,
      verifyToken: TEST_VERIFY_TOKEN,
      appSecret: TEST_APP_SECRET,
      latencySamples: 1,
    });
    const https = report.checks.find((check) => check.id === 'https');
    expect(https?.status).toBe('fail');
    expect(https?.fix).toMatch(/HTTPS/);
    expect(report.ok).toBe(false);
    // The protocol itself is right even over plain http.
    expect(report.checks.find((check) => check.id === 'signed-post')?.status).toBe('pass');
  });
});
