#!/usr/bin/env node
/**
 * Per-request costs of the pieces on wahook's ack path, each timed alone in a tight loop on this
 * machine: what one webhook costs the main thread before and after the commit, apart from Fastify
 * and the socket. Complements profile.mjs (which shows shares under real load).
 *
 *   npm run --silent build && node bench/ingest/micro-costs.mjs
 */
import { serialize } from 'node:v8';
import { Bus } from '../../dist/observe/bus.js';
import { createMetrics } from '../../dist/observe/metrics.js';
import { verifyMetaSignature } from '../../dist/receive/signature.js';
import { signedStatusWebhook } from '../lib/payload.mjs';
import { formatNumber, renderTable } from '../lib/stats.mjs';
import { SECRETS } from './servers.mjs';

const webhook = signedStatusWebhook(SECRETS.appSecret);
const body = Buffer.from(webhook.body);
const header = webhook.headers['x-hub-signature-256'];
const headers = { 'user-agent': 'facebookexternalua' };
const bus = new Bus();
createMetrics(bus, { inboxStats: async () => ({}) });

function perCallMicros(fn, ms = 1000) {
  for (let i = 0; i < 2000; i++) fn(i);
  let calls = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    for (let i = 0; i < 200; i++) fn(i);
    calls += 200;
  }
  return ((performance.now() - started) * 1000) / calls;
}

const batch = Array.from({ length: 90 }, () => [Date.now(), 'meta', 'hmac', 'application/json', '{}', body]);
const rows = [
  [
    'HMAC-SHA256 verify, one secret',
    perCallMicros(() => verifyMetaSignature(body, header, [SECRETS.appSecret])),
  ],
  ['JSON.stringify of kept headers', perCallMicros(() => JSON.stringify(headers))],
  ['structured clone, per row of a 90-row batch', perCallMicros(() => serialize(batch)) / 90],
  [
    'bus emit webhook:accepted (counter + histogram)',
    perCallMicros(() => bus.emit('webhook:accepted', { source: 'meta', bytes: 1582, ackMs: 3 })),
  ],
  [
    'new Promise + resolve + await-equivalent then',
    perCallMicros(() => new Promise((r) => r(1)).then(() => 0)),
  ],
  ['setImmediate scheduling (per call)', perCallMicros(() => setImmediate(Number))],
];
console.log(`main-thread pieces of one ${webhook.bytes}-byte webhook, µs per call\n`);
console.log(
  renderTable(
    ['piece', 'µs'],
    rows.map(([name, us]) => [name, formatNumber(us, 2)]),
  ),
);
