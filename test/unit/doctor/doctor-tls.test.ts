import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorOptions } from '../../../src/doctor/options.js';
import { runDoctor } from '../../../src/doctor/run.js';
import type { CheckResult, DoctorReport } from '../../../src/doctor/types.js';
import { createTestCa, type TestCa } from '../../helpers/tls-fixtures.js';
import {
  type FakeReceiver,
  type FakeReceiverOptions,
  startFakeReceiver,
  TEST_APP_SECRET,
  TEST_VERIFY_TOKEN,
} from './fake-receiver.js';

let ca: TestCa;
const receivers: FakeReceiver[] = [];

beforeAll(async () => {
  ca = await createTestCa();
});
afterAll(async () => {
  await ca.cleanup();
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function receiver(options: FakeReceiverOptions): Promise<FakeReceiver> {
  const started = await startFakeReceiver(options);
  receivers.push(started);
  return started;
}

function doctorOptions(url: string, extra: Partial<DoctorOptions> = {}): DoctorOptions {
  return {
    url,
    verifyToken: TEST_VERIFY_TOKEN,
    appSecret: TEST_APP_SECRET,
    latencySamples: 2,
    // Timing is not what these tests are about; a loaded machine must not turn them into warnings.
    timeouts: { stepMs: 5_000, latencyBudgetMs: 5_000 },
    ...extra,
  };
}

function check(report: DoctorReport, id: string): CheckResult {
  const found = report.checks.find((c) => c.id === id);
  if (found === undefined) throw new Error(`no check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
}

describe('doctor TLS checks', () => {
  it('passes an honest receiver that serves a complete chain from a trusted CA', async () => {
    const leaf = await ca.issueLeaf();
    const server = await receiver({ tls: { key: leaf.key, cert: leaf.fullChain } });

    const report = await runDoctor(doctorOptions(server.url, { ca: ca.root }));

    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(report.ok).toBe(true);
    for (const id of [
      'https',
      'tcp',
      'tls-version',
      'tls-trust',
      'tls-hostname',
      'tls-expiry',
      'no-redirect',
    ]) {
      expect(check(report, id).status, id).toBe('pass');
    }
    for (const id of [
      'handshake',
      'wrong-token',
      'signed-post',
      'unsigned-post',
      'bad-signature',
      'latency',
      'body-limit',
    ]) {
      expect(check(report, id).status, id).toBe('pass');
    }
    // 127.0.0.1 is a bare, loopback IP: both are worth a warning, not a failure.
    expect(check(report, 'host-name').status).toBe('warn');
    expect(check(report, 'dns').status).toBe('warn');
    expect(server.accepted.length).toBeGreaterThanOrEqual(4);
  });

  it('fails the trust check for a self-signed certificate and names the certificate', async () => {
    const selfSigned = await ca.createSelfSigned({ commonName: 'selfie.test' });
    const server = await receiver({ tls: { key: selfSigned.key, cert: selfSigned.cert } });

    const report = await runDoctor(doctorOptions(server.url));

    const trust = check(report, 'tls-trust');
    expect(trust.status).toBe('fail');
    expect(trust.detail).toContain('self-signed');
    expect(trust.detail).toContain('CN=selfie.test');
    expect(trust.fix).toMatch(/public CA/);
    expect(report.ok).toBe(false);
    // The rest still runs, so one report shows everything that is wrong.
    expect(check(report, 'handshake').status).toBe('pass');
  });

  it('flags a leaf served without its intermediate as a missing intermediate', async () => {
    const leaf = await ca.issueLeaf();
    const server = await receiver({ tls: { key: leaf.key, cert: leaf.cert } });

    const report = await runDoctor(doctorOptions(server.url, { ca: ca.root }));

    const trust = check(report, 'tls-trust');
    expect(trust.status).toBe('fail');
    expect(trust.detail).toContain('without its intermediate');
    expect(trust.fix).toContain('full chain');
  });

  it('fails the trust check for a chain that ends in a private root the caller did not trust', async () => {
    const leaf = await ca.issueLeaf();
    const server = await receiver({ tls: { key: leaf.key, cert: leaf.fullChain } });

    const report = await runDoctor(doctorOptions(server.url));

    const trust = check(report, 'tls-trust');
    expect(trust.status).toBe('fail');
    expect(trust.fix).toContain('--ca-file');
  });

  it('warns when the certificate expires within 30 days', async () => {
    const leaf = await ca.issueLeaf({ days: 10 });
    const server = await receiver({ tls: { key: leaf.key, cert: leaf.fullChain } });

    const report = await runDoctor(doctorOptions(server.url, { ca: ca.root }));

    const expiry = check(report, 'tls-expiry');
    expect(expiry.status).toBe('warn');
    expect(expiry.detail).toMatch(/in (9|10) days/);
    expect(expiry.fix).toMatch(/Renew/);
  });

  it('fails a certificate that has expired by the injected clock', async () => {
    const leaf = await ca.issueLeaf({ days: 90 });
    const server = await receiver({ tls: { key: leaf.key, cert: leaf.fullChain } });
    const inHundredDays = Date.now() + 100 * 86_400_000;

    const report = await runDoctor(doctorOptions(server.url, { ca: ca.root, now: () => inHundredDays }));

    const expiry = check(report, 'tls-expiry');
    expect(expiry.status).toBe('fail');
    expect(expiry.detail).toContain('expired');
  });

  it('fails a certificate that does not cover the host', async () => {
    const leaf = await ca.issueLeaf({ commonName: 'other.example', altNames: ['DNS:other.example'] });
    const server = await receiver({ tls: { key: leaf.key, cert: leaf.fullChain } });

    const report = await runDoctor(doctorOptions(server.url, { ca: ca.root }));

    const hostname = check(report, 'tls-hostname');
    expect(hostname.status).toBe('fail');
    expect(hostname.detail).toContain('other.example');
    expect(check(report, 'tls-trust').status).toBe('pass');
  });

  it('fails a server that offers nothing newer than TLS 1.1', async () => {
    const leaf = await ca.issueLeaf();
    const server = await receiver({ tls: { key: leaf.key, cert: leaf.fullChain }, tlsMaxVersion: 'TLSv1.1' });

    const report = await runDoctor(doctorOptions(server.url, { ca: ca.root }));

    const version = check(report, 'tls-version');
    expect(version.status).toBe('fail');
    expect(version.detail).toContain('no TLS version from 1.2 up');
    expect(version.fix).toContain('TLS 1.2');
  });

  it('fails the handshake on an https URL whose port speaks plain HTTP and skips what needs TLS', async () => {
    const server = await receiver({});
    const httpsUrl = server.url.replace('http://', 'https://');

    const report = await runDoctor(doctorOptions(httpsUrl));

    expect(check(report, 'tls-version').status).toBe('fail');
    expect(check(report, 'tls-version').detail).toContain('plain HTTP');
    for (const id of ['tls-trust', 'tls-hostname', 'tls-expiry', 'handshake', 'signed-post', 'body-limit']) {
      expect(check(report, id).status, id).toBe('skip');
      expect(check(report, id).detail).toContain('no TLS connection');
    }
  });
});
