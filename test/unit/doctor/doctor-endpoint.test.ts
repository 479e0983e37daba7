import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorOptions } from '../../../src/doctor/options.js';
import { runDoctor } from '../../../src/doctor/run.js';
import type { CheckResult, DoctorReport } from '../../../src/doctor/types.js';
import { createTestCa, type TestCertificate } from '../../helpers/tls-fixtures.js';
import {
  type FakeReceiver,
  type FakeReceiverOptions,
  startFakeReceiver,
  TEST_APP_SECRET,
  TEST_VERIFY_TOKEN,
} from './fake-receiver.js';

let root: string;
let leaf: TestCertificate;
let cleanupCa: () => Promise<void>;
const receivers: FakeReceiver[] = [];

beforeAll(async () => {
  const ca = await createTestCa();
  root = ca.root;
  leaf = await ca.issueLeaf();
  cleanupCa = ca.cleanup;
});
afterAll(async () => {
  await cleanupCa();
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

/** A receiver behind a correctly configured certificate, so only its HTTP behaviour is under test. */
async function receiver(options: FakeReceiverOptions = {}): Promise<FakeReceiver> {
  const started = await startFakeReceiver({ tls: { key: leaf.key, cert: leaf.fullChain }, ...options });
  receivers.push(started);
  return started;
}

function doctor(url: string, extra: Partial<DoctorOptions> = {}): Promise<DoctorReport> {
  return runDoctor({
    url,
    verifyToken: TEST_VERIFY_TOKEN,
    appSecret: TEST_APP_SECRET,
    ca: root,
    latencySamples: 2,
    timeouts: { stepMs: 5_000, latencyBudgetMs: 5_000 },
    ...extra,
  });
}

function check(report: DoctorReport, id: string): CheckResult {
  const found = report.checks.find((c) => c.id === id);
  if (found === undefined) throw new Error(`no check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
}

describe('doctor endpoint checks', () => {
  it('fails a plain-http URL, names HTTPS and a TLS-terminating proxy, and still checks the handler', async () => {
    const server = await startFakeReceiver();
    receivers.push(server);

    const report = await doctor(server.url);

    const https = check(report, 'https');
    expect(https.status).toBe('fail');
    expect(https.fix).toContain('HTTPS');
    expect(https.fix).toContain('TLS-terminating proxy');
    expect(report.ok).toBe(false);
    for (const id of ['tls-version', 'tls-trust', 'tls-hostname', 'tls-expiry']) {
      expect(check(report, id).status, id).toBe('skip');
      expect(check(report, id).detail).toContain('plain http');
    }
    expect(check(report, 'handshake').status).toBe('pass');
    expect(check(report, 'signed-post').status).toBe('pass');
  });

  it('fails a server that echoes the challenge for any verify token', async () => {
    const server = await receiver({ echoAnyChallenge: true });

    const report = await doctor(server.url);

    expect(check(report, 'handshake').status).toBe('pass');
    const wrongToken = check(report, 'wrong-token');
    expect(wrongToken.status).toBe('fail');
    expect(wrongToken.detail).toContain('anyone can point their app here');
  });

  it('catches a server that echoes any challenge even when no verify token is configured', async () => {
    const server = await receiver({ echoAnyChallenge: true });

    const report = await doctor(server.url, { verifyToken: undefined });

    const handshake = check(report, 'handshake');
    expect(handshake.status).toBe('skip');
    expect(handshake.fix).toContain('WAHOOK_VERIFY_TOKEN');
    expect(check(report, 'wrong-token').status).toBe('fail');
  });

  it('fails the handshake when the verify tokens differ, and cannot judge the refusal of a wrong one', async () => {
    const server = await receiver({ verifyToken: 'a-different-token' });

    const report = await doctor(server.url);

    expect(check(report, 'handshake').status).toBe('fail');
    expect(check(report, 'handshake').detail).toContain('403');
    expect(check(report, 'wrong-token').status).toBe('skip');
  });

  it('flags a server that accepts unsigned and wrongly signed POSTs as spoofable', async () => {
    const server = await receiver({ acceptUnsigned: true });

    const report = await doctor(server.url);

    for (const id of ['unsigned-post', 'bad-signature']) {
      expect(check(report, id).status, id).toBe('fail');
      expect(check(report, id).detail).toContain('spoofable');
    }
  });

  it('fails the signed POST on a server that verifies re-serialized JSON instead of the raw bytes', async () => {
    const server = await receiver({ hashReserializedJson: true });

    const report = await doctor(server.url);

    const signed = check(report, 'signed-post');
    expect(signed.status).toBe('fail');
    expect(signed.fix).toContain('raw request bytes');
    expect(check(report, 'unsigned-post').status).toBe('skip');
    expect(check(report, 'latency').status).toBe('skip');
  });

  it('skips the signed checks with a fix naming WAHOOK_APP_SECRETS when no app secret is given', async () => {
    const server = await receiver();

    const report = await doctor(server.url, { appSecret: undefined });

    const signed = check(report, 'signed-post');
    expect(signed.status).toBe('skip');
    expect(signed.fix).toContain('WAHOOK_APP_SECRETS');
    for (const id of ['unsigned-post', 'bad-signature', 'latency', 'body-limit']) {
      expect(check(report, id).status, id).toBe('skip');
    }
    expect(report.ok).toBe(true);
  });

  it('warns when the median answer time is above the latency budget', async () => {
    const server = await receiver({ postDelayMs: 60 });

    const report = await doctor(server.url, {
      latencySamples: 3,
      timeouts: { stepMs: 5_000, latencyBudgetMs: 20 },
    });

    expect(check(report, 'signed-post').status).toBe('pass');
    const latency = check(report, 'latency');
    expect(latency.status).toBe('warn');
    expect(latency.detail).toContain('over 3 signed POSTs');
    expect(latency.fix).toContain('250 ms');
  });

  it('fails the signed POST when the answer comes after the acknowledgement budget', async () => {
    const server = await receiver({ postDelayMs: 400 });

    const report = await doctor(server.url, { timeouts: { stepMs: 5_000, ackMs: 100 } });

    const signed = check(report, 'signed-post');
    expect(signed.status).toBe('fail');
    expect(signed.detail).toContain('no answer within 100 ms');
    expect(signed.fix).toContain('Acknowledge first');
  });

  it('fails a redirecting URL because Meta and 360dialog do not follow redirects', async () => {
    const server = await receiver({ redirectTo: 'https://elsewhere.example/webhooks/whatsapp' });

    const report = await doctor(server.url);

    const redirect = check(report, 'no-redirect');
    expect(redirect.status).toBe('fail');
    expect(redirect.detail).toContain('301');
    expect(redirect.detail).toContain('elsewhere.example');
    expect(redirect.fix).toContain('do not follow redirects');
    expect(check(report, 'handshake').status).toBe('skip');
    expect(check(report, 'signed-post').status).toBe('skip');
  });

  it('fails the body-limit check on a server that refuses bodies over 1 MB', async () => {
    const server = await receiver({ bodyLimitBytes: 1_000_000 });

    const report = await doctor(server.url);

    expect(check(report, 'signed-post').status).toBe('pass');
    const bodyLimit = check(report, 'body-limit');
    expect(bodyLimit.status).toBe('fail');
    expect(bodyLimit.detail).toContain('413');
    expect(bodyLimit.fix).toMatch(/raise the body limit to at least 3 MB/i);
  });

  it('fails the body-limit check when the server drops the connection on a large body', async () => {
    const server = await receiver({ bodyLimitBytes: 1_000_000, resetOverLimit: true });

    const report = await doctor(server.url);

    const bodyLimit = check(report, 'body-limit');
    expect(bodyLimit.status).toBe('fail');
    expect(bodyLimit.fix).toMatch(/raise the body limit to at least 3 MB/i);
  });

  it('fails the TCP check on a closed port and skips everything after it', async () => {
    const closedPort = await portNobodyListensOn();

    const report = await doctor(`https://127.0.0.1:${closedPort}/webhooks/whatsapp`);

    expect(check(report, 'tcp').status).toBe('fail');
    expect(check(report, 'tcp').detail).toContain('ECONNREFUSED');
    for (const id of ['tls-trust', 'handshake', 'body-limit']) {
      expect(check(report, id).status, id).toBe('skip');
      expect(check(report, id).detail).toBe('no TCP connection');
    }
  });

  it('fails the DNS check for a host that does not resolve', async () => {
    const report = await doctor('https://wahook-doctor-check.invalid/webhooks/whatsapp');

    expect(check(report, 'dns').status).toBe('fail');
    expect(check(report, 'tcp').status).toBe('skip');
    expect(report.ok).toBe(false);
  });

  it('refuses a URL that is not http(s) as bad usage', async () => {
    await expect(doctor('ftp://example.com/hook')).rejects.toThrow(/ftp:/);
    await expect(doctor('not a url')).rejects.toThrow(/not a URL/);
  });
});

async function portNobodyListensOn(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
