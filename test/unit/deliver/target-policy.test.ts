import type { LookupAddress } from 'node:dns';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryHttp, postDelivery } from '../../../src/deliver/http-attempt.js';
import { isRefusedHeader } from '../../../src/deliver/subscription-input.js';
import { type Resolve, targetProblem } from '../../../src/deliver/target-policy.js';
import { nonPublicKind } from '../../../src/lib/address-ranges.js';
import { type Subscriber, startSubscriber } from '../../helpers/delivery-fixtures.js';

/**
 * Where deliveries may go. Every connection here is to loopback: a resolver that the test writes
 * stands in for DNS, so "a public name that resolves to a private address" is played by a made-up
 * name that resolves to 127.0.0.1.
 */
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function subscriber(): Promise<Subscriber> {
  const sink = await startSubscriber(() => ({ status: 200, body: 'internal page' }));
  closers.push(sink.close);
  return sink;
}

function client(allowPrivate: boolean, resolve?: Resolve): DeliveryHttp {
  const http = new DeliveryHttp({ allowPrivate, ...(resolve ? { resolve } : {}) });
  closers.push(() => http.close());
  return http;
}

/** A resolver for made-up names; each call answers the next entry (the last one repeats). */
function resolver(answers: Record<string, LookupAddress[][]>): Resolve & { calls: string[] } {
  const calls: string[] = [];
  const resolve = ((hostname, callback) => {
    calls.push(hostname);
    const list = answers[hostname];
    if (!list) {
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
      return;
    }
    const seen = calls.filter((name) => name === hostname).length;
    callback(null, list[Math.min(seen, list.length) - 1] ?? []);
  }) as Resolve & { calls: string[] };
  resolve.calls = calls;
  return resolve;
}

const post = (http: DeliveryHttp, url: string) =>
  postDelivery({ url, body: '{}', headers: {}, timeoutMs: 2_000 }, Date.now, http);

describe('which addresses are not public', () => {
  it('names each kind, in IPv4 and in IPv6 (mapped IPv4 judged as IPv4)', () => {
    const cases: [string, string | null][] = [
      ['127.0.0.1', 'loopback'],
      ['127.255.0.9', 'loopback'],
      ['::1', 'loopback'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['10.0.0.1', 'private'],
      ['172.16.5.4', 'private'],
      ['172.32.0.1', null],
      ['192.168.1.1', 'private'],
      ['0:0:0:0:0:ffff:c0a8:101', 'private'],
      ['fd00:ec2::254', 'private'],
      ['fc00::1', 'private'],
      ['100.100.100.200', 'private'],
      ['169.254.169.254', 'link_local'],
      ['fe80::1', 'link_local'],
      ['224.0.0.251', 'multicast'],
      ['ff02::1', 'multicast'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['240.0.0.1', 'reserved'],
      ['8.8.8.8', null],
      ['2606:4700:4700::1111', null],
      ['::ffff:8.8.8.8', null],
    ];
    for (const [address, kind] of cases) expect([address, nonPublicKind(address)]).toEqual([address, kind]);
  });
});

describe('subscription URLs when written', () => {
  it('refuses literal non-public addresses and local or metadata names, and says how to allow them', () => {
    for (const url of [
      'http://127.0.0.1:8080/hooks',
      'http://[::1]/hooks',
      'http://[::ffff:10.0.0.1]/',
      'http://10.1.2.3/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/',
      'http://0.0.0.0/',
      'http://localhost:3000/',
      'http://api.localhost/',
      'http://metadata.google.internal/computeMetadata/v1/',
    ]) {
      expect(targetProblem(url), url).toMatch(/WAHOOK_DELIVERY_ALLOW_PRIVATE=true/);
    }
    expect(targetProblem('https://erp.example.com/hooks')).toBeNull();
    expect(targetProblem('https://8.8.8.8/hooks')).toBeNull();
  });

  it('refuses hop-by-hop, forwarding and cloud-metadata header names', () => {
    for (const name of [
      'Connection',
      'transfer-encoding',
      'Upgrade',
      'Metadata-Flavor',
      'Metadata',
      'X-Forwarded-For',
      'X-aws-ec2-metadata-token',
    ]) {
      expect(isRefusedHeader(name), name).toBe(true);
    }
    expect(isRefusedHeader('authorization')).toBe(false);
    expect(isRefusedHeader('x-tenant')).toBe(false);
  });
});

describe('delivery connections', () => {
  it('refuses a literal loopback address without connecting, and shows nothing of the target', async () => {
    const sink = await subscriber();
    const outcome = await post(client(false), sink.url);
    expect(outcome).toMatchObject({
      kind: 'connection_error',
      message: expect.stringMatching(/^refused: 127\.0\.0\.1 is a loopback address/),
    });
    expect(outcome).not.toHaveProperty('responsePrefix');
    expect(sink.received).toHaveLength(0);
  });

  it('refuses a name that resolves to loopback, checked on the address at connect time', async () => {
    const sink = await subscriber();
    const port = new URL(sink.url).port;
    const resolve = resolver({ 'erp.example.test': [[{ address: '127.0.0.1', family: 4 }]] });
    // Written, the name passes: it is not a literal address nor a local name.
    expect(targetProblem(`http://erp.example.test:${port}/hooks`)).toBeNull();
    const outcome = await post(client(false, resolve), `http://erp.example.test:${port}/hooks`);
    expect(outcome).toMatchObject({
      kind: 'connection_error',
      message: expect.stringMatching(/^refused: erp\.example\.test resolves only to a loopback address/),
    });
    expect(outcome.kind === 'connection_error' && outcome.message).not.toContain('127.0.0.1');
    expect(resolve.calls).toContain('erp.example.test');
    expect(sink.received).toHaveLength(0);
  });

  it('refuses IPv6 loopback and mapped-IPv4 answers too', async () => {
    const sink = await subscriber();
    const port = new URL(sink.url).port;
    const resolve = resolver({
      'six.example.test': [[{ address: '::1', family: 6 }]],
      'mapped.example.test': [[{ address: '::ffff:127.0.0.1', family: 6 }]],
    });
    const http = client(false, resolve);
    for (const host of ['six.example.test', 'mapped.example.test']) {
      const outcome = await post(http, `http://${host}:${port}/`);
      expect(outcome, host).toMatchObject({
        kind: 'connection_error',
        message: expect.stringMatching(/^refused:/),
      });
    }
    expect(sink.received).toHaveLength(0);
  });

  it('cannot be rebound: a name that answered publicly before is checked again on each connection', async () => {
    const sink = await subscriber();
    const port = new URL(sink.url).port;
    // First answer a documentation (public-looking) address, then loopback: the rebinding trick.
    const resolve = resolver({
      'rebind.example.test': [[{ address: '192.0.2.1', family: 4 }], [{ address: '127.0.0.1', family: 4 }]],
    });
    const http = client(false, resolve);
    const url = `http://rebind.example.test:${port}/`;
    const first = await postDelivery({ url, body: '{}', headers: {}, timeoutMs: 300 }, Date.now, http);
    expect(first.kind === 'connection_error' && first.message.startsWith('refused')).toBe(false);
    const second = await post(http, url);
    expect(second).toMatchObject({ kind: 'connection_error', message: expect.stringMatching(/^refused:/) });
    expect(sink.received).toHaveLength(0);
  });

  it('keeps only public answers of a name that resolves to both', async () => {
    const sink = await subscriber();
    const port = new URL(sink.url).port;
    const resolve = resolver({
      'mixed.example.test': [
        [
          { address: '127.0.0.1', family: 4 },
          { address: '192.0.2.1', family: 4 },
        ],
      ],
    });
    const outcome = await postDelivery(
      { url: `http://mixed.example.test:${port}/`, body: '{}', headers: {}, timeoutMs: 300 },
      Date.now,
      client(false, resolve),
    );
    // 192.0.2.1 (TEST-NET-1) goes nowhere: the attempt fails, but never reaches the loopback subscriber.
    expect(outcome.kind).not.toBe('success');
    expect(sink.received).toHaveLength(0);
  });

  it('connects to loopback through the same resolver when private targets are allowed', async () => {
    const sink = await subscriber();
    const port = new URL(sink.url).port;
    const resolve = resolver({ 'local.example.test': [[{ address: '127.0.0.1', family: 4 }]] });
    const outcome = await post(client(true, resolve), `http://local.example.test:${port}/hooks`);
    expect(outcome).toMatchObject({ kind: 'success', responsePrefix: 'internal page' });
    expect(resolve.calls).toEqual(['local.example.test']);
    expect(sink.received).toHaveLength(1);
  });
});
