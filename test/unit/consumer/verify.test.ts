import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EventVerificationError, verifyBatch, verifyEvent } from '../../../src/consumer/index.js';
import { generateSecret, signatureHeaders } from '../../../src/deliver/signing.js';

/**
 * verifyEvent accepts exactly what the delivery side signs (which the Standard Webhooks library
 * signs), and refuses each way a request can be wrong, one test per failure mode.
 */
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const NOW = 1_614_265_330_000;
const event = JSON.stringify({ id: 'evt_1', type: 'message.status', data: { currentStatus: 'read' } });

function reasonOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(EventVerificationError);
    return (err as EventVerificationError).reason;
  }
  return 'accepted';
}

describe('verifyEvent', () => {
  it('accepts the Standard Webhooks reference vector', () => {
    const headers = {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    };
    expect(verifyEvent(headers, '{"test": 2432232314}', SECRET, { now: NOW })).toEqual({ test: 2432232314 });
  });

  it('accepts what a delivery signs, as a string, as bytes and with fetch Headers', () => {
    const secret = generateSecret();
    const headers = signatureHeaders(secret, 'evt_1', NOW, event);
    expect(verifyEvent(headers, event, secret, { now: NOW }).type).toBe('message.status');
    expect(verifyEvent(headers, Buffer.from(event), secret, { now: NOW }).id).toBe('evt_1');
    expect(
      verifyEvent(new Headers({ ...headers }), new TextEncoder().encode(event), secret, { now: NOW }).id,
    ).toBe('evt_1');
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyEvent(upper, event, secret, { now: NOW }).id).toBe('evt_1');
  });

  it('accepts any of several signatures and any of several secrets (rotation)', () => {
    const [older, newer] = [generateSecret(), generateSecret()];
    const byNewer = signatureHeaders(newer, 'evt_1', NOW, event);
    const both = { ...byNewer, 'webhook-signature': `v1,AAAA ${byNewer['webhook-signature']}` };
    expect(verifyEvent(both, event, [older, newer], { now: NOW }).id).toBe('evt_1');
    expect(reasonOf(() => verifyEvent(both, event, older, { now: NOW }))).toBe('signature_mismatch');
  });

  it('refuses a body changed after signing, or re-serialised', () => {
    const headers = signatureHeaders(SECRET, 'evt_1', NOW, event);
    expect(reasonOf(() => verifyEvent(headers, event.replace('read', 'sent'), SECRET, { now: NOW }))).toBe(
      'signature_mismatch',
    );
    const reformatted = JSON.stringify(JSON.parse(event), null, 2);
    expect(reasonOf(() => verifyEvent(headers, reformatted, SECRET, { now: NOW }))).toBe(
      'signature_mismatch',
    );
  });

  it('refuses another id or timestamp than the one signed', () => {
    const headers = signatureHeaders(SECRET, 'evt_1', NOW, event);
    expect(
      reasonOf(() => verifyEvent({ ...headers, 'webhook-id': 'evt_2' }, event, SECRET, { now: NOW })),
    ).toBe('signature_mismatch');
    const later = { ...headers, 'webhook-timestamp': String(NOW / 1000 + 1) };
    expect(reasonOf(() => verifyEvent(later, event, SECRET, { now: NOW }))).toBe('signature_mismatch');
  });

  it('refuses a timestamp outside the tolerance on either side, and keeps one inside it', () => {
    const headers = signatureHeaders(SECRET, 'evt_1', NOW, event);
    expect(reasonOf(() => verifyEvent(headers, event, SECRET, { now: NOW + 301_000 }))).toBe(
      'timestamp_too_old',
    );
    expect(reasonOf(() => verifyEvent(headers, event, SECRET, { now: NOW - 301_000 }))).toBe(
      'timestamp_too_new',
    );
    expect(reasonOf(() => verifyEvent(headers, event, SECRET, { now: NOW + 300_000 }))).toBe('accepted');
    expect(
      reasonOf(() => verifyEvent(headers, event, SECRET, { now: NOW + 30_000, toleranceSeconds: 10 })),
    ).toBe('timestamp_too_old');
  });

  it('refuses missing headers, a malformed timestamp, a bad secret and a signed body that is not JSON', () => {
    const headers = signatureHeaders(SECRET, 'evt_1', NOW, event);
    const { 'webhook-signature': _dropped, ...unsigned } = headers;
    expect(reasonOf(() => verifyEvent(unsigned, event, SECRET, { now: NOW }))).toBe('missing_header');
    expect(
      reasonOf(() => verifyEvent({ ...headers, 'webhook-timestamp': '1e9' }, event, SECRET, { now: NOW })),
    ).toBe('bad_timestamp');
    expect(reasonOf(() => verifyEvent(headers, event, 'whsec_%%%', { now: NOW }))).toBe('bad_secret');
    const notJson = signatureHeaders(SECRET, 'evt_1', NOW, 'not json');
    expect(reasonOf(() => verifyEvent(notJson, 'not json', SECRET, { now: NOW }))).toBe('bad_json');
  });

  it('refuses a batch body, pointing at verifyBatch', () => {
    const body = `[${event}]`;
    const headers = signatureHeaders(SECRET, 'bat_1', NOW, body);
    expect(reasonOf(() => verifyEvent(headers, body, SECRET, { now: NOW }))).toBe('batch_body');
  });
});

describe('verifyBatch', () => {
  const second = JSON.stringify({ id: 'evt_2', type: 'message.received', data: {} });

  it('returns the events of a signed batch body in their order', () => {
    const body = `[${event},${second}]`;
    const headers = signatureHeaders(SECRET, 'bat_1', NOW, body);
    expect(verifyBatch(headers, body, SECRET, { now: NOW }).map((e) => e.id)).toEqual(['evt_1', 'evt_2']);
  });

  it('returns a single-event body as a batch of one', () => {
    const headers = signatureHeaders(SECRET, 'evt_1', NOW, event);
    expect(verifyBatch(headers, event, SECRET, { now: NOW }).map((e) => e.id)).toEqual(['evt_1']);
  });

  it('refuses a batch changed after signing, or signed under another id', () => {
    const body = `[${event},${second}]`;
    const headers = signatureHeaders(SECRET, 'bat_1', NOW, body);
    expect(reasonOf(() => verifyBatch(headers, `[${event}]`, SECRET, { now: NOW }))).toBe(
      'signature_mismatch',
    );
    const otherId = { ...headers, 'webhook-id': 'bat_2' };
    expect(reasonOf(() => verifyBatch(otherId, body, SECRET, { now: NOW }))).toBe('signature_mismatch');
  });
});

/**
 * The built `wahook/consumer` entry reaches nothing but its own files and Node built-ins: a business
 * system that installs wahook to verify events loads no web framework and no database driver.
 */
describe('the built wahook/consumer entry', () => {
  const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../../../dist');

  function importGraph(entry: string): { files: string[]; packages: string[] } {
    const files = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (files.has(file)) return;
      files.add(file);
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(
        /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g,
      )) {
        const specifier = (match[1] ?? match[2] ?? match[3])!;
        if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
        else packages.add(specifier);
      }
    };
    visit(entry);
    return { files: [...files], packages: [...packages] };
  }

  it('is what package.json exports as wahook/consumer', () => {
    const manifest = JSON.parse(readFileSync(resolve(dist, '../package.json'), 'utf8')) as {
      exports: Record<string, { default: string; types: string }>;
    };
    expect(manifest.exports['./consumer']).toEqual({
      types: './dist/consumer/index.d.ts',
      default: './dist/consumer/index.js',
    });
  });

  it('imports only Node built-ins, none of fastify, better-sqlite3 or pg', () => {
    const graph = importGraph(resolve(dist, 'consumer/index.js'));
    expect(graph.files.length).toBeGreaterThan(1);
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    expect(graph.packages.filter((name) => !builtins.has(name))).toEqual([]);
    for (const forbidden of ['fastify', 'better-sqlite3', 'pg'])
      expect(graph.packages).not.toContain(forbidden);
  });

  it('sees a server dependency when one is imported (the walk can fail)', () => {
    expect(importGraph(resolve(dist, 'app.js')).packages).toContain('fastify');
  });

  it('loads and verifies from the built file', async () => {
    const built = (await import(
      resolve(dist, 'consumer/index.js')
    )) as typeof import('../../../src/consumer/index.js');
    const headers = signatureHeaders(SECRET, 'evt_1', NOW, event);
    expect(built.verifyEvent(headers, event, SECRET, { now: NOW }).id).toBe('evt_1');
  });
});
