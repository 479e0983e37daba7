#!/usr/bin/env node
/**
 * Where wahook's time goes under ingest load: runs the receiver with `node --cpu-prof`, loads it
 * with autocannon (own process), stops it, and reads the profiles of its main thread (the event
 * loop that answers requests) and of the inbox writer thread.
 *
 *   npm run --silent build && node bench/ingest/profile.mjs [--connections 200] [--duration 10]
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runAutocannon } from '../lib/autocannon.mjs';
import { groupTimes, loadProfile, selfTimes } from '../lib/cpu-profile.mjs';
import { signedStatusWebhook } from '../lib/payload.mjs';
import { formatNumber, renderTable } from '../lib/stats.mjs';
import { SECRETS, startWahook } from './servers.mjs';

const { values: opts } = parseArgs({
  options: {
    connections: { type: 'string', default: '200' },
    duration: { type: 'string', default: '10' },
    top: { type: 'string', default: '20' },
  },
});

const url = (frame) => frame.url;
const fn = (frame) => frame.functionName;
/** Groups of frames worth naming; a sample may count in several (e.g. fastify and hmac). */
const GROUPS = [
  { name: 'garbage collector', match: (f) => fn(f) === '(garbage collector)' },
  {
    name: 'HTTP parse + socket I/O (node core)',
    match: (f) => /^node:(_http_|net|internal\/(streams|http))/.test(url(f)),
  },
  { name: 'fastify (routing, hooks, reply)', match: (f) => url(f).includes('/node_modules/fastify/') },
  {
    name: 'find-my-way / light-my-request etc.',
    match: (f) => /\/node_modules\/(find-my-way|avvio|fast-json-stringify)/.test(url(f)),
  },
  { name: 'webhook route (all of it)', match: (f) => url(f).endsWith('/receive/webhook-routes.js') },
  { name: 'HMAC verify', match: (f) => fn(f) === 'verifyMetaSignature' },
  { name: 'group commit', match: (f) => url(f).endsWith('/inbox/group-commit.js') },
  { name: 'writer: build tuples + postMessage', match: (f) => url(f).endsWith('/sqlite/inbox-writer.js') },
  { name: 'postMessage (structured clone)', match: (f) => fn(f) === 'postMessage' },
  { name: 'JSON.stringify', match: (f) => fn(f) === 'stringify' },
  { name: 'bus + metrics', match: (f) => /\/observe\/|\/node_modules\/prom-client\//.test(url(f)) },
  { name: 'pino / logging', match: (f) => url(f).includes('/node_modules/pino') },
  { name: 'setImmediate / timers', match: (f) => /^node:internal\/timers/.test(url(f)) },
  {
    name: 'promise jobs (runMicrotasks)',
    match: (f) => fn(f) === 'runMicrotasks' || fn(f) === 'processTicksAndRejections',
  },
  { name: 'better-sqlite3', match: (f) => url(f).includes('/node_modules/better-sqlite3/') },
  { name: '(program) native, unattributed', match: (f) => fn(f) === '(program)' },
];

const connections = Number(opts.connections);
const durationSec = Number(opts.duration);
const profileDir = mkdtempSync(join(tmpdir(), 'wahook-cpu-prof-'));
const webhook = signedStatusWebhook(SECRETS.appSecret);

const server = await startWahook({ nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] });
let result;
try {
  const load = (seconds) =>
    runAutocannon({ url: server.url, connections, durationSec: seconds, method: 'POST', ...webhook });
  await load(3);
  result = await load(durationSec);
} finally {
  await server.stop();
}
if (result.non2xx > 0 || result.errors > 0)
  throw new Error(`${result.non2xx} non-2xx, ${result.errors} errors`);
console.log(
  `wahook @${connections} connections under --cpu-prof: ${formatNumber(result.requestsPerSec)} req/s, ` +
    `p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms (profiling slows it; read shares, not speed)\n`,
);

// File names are CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main thread.
const files = readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile'));
for (const file of files.sort()) {
  const threadId = Number(file.split('.')[4]);
  const loaded = loadProfile(join(profileDir, file));
  const groups = groupTimes(loaded, GROUPS);
  const title = threadId === 0 ? 'main thread (event loop)' : `worker thread ${threadId} (inbox writer)`;
  console.log(
    `${title}: ${formatNumber(groups.busyMs)} ms busy of ${formatNumber(groups.totalMs)} ms sampled ` +
      `(${formatNumber((groups.busyMs / groups.totalMs) * 100, 1)} %)`,
  );
  console.log(
    renderTable(
      ['group (inclusive)', 'ms', '% of busy'],
      groups.groups
        .filter((group) => group.ms > 0)
        .map((group) => [group.name, formatNumber(group.ms), formatNumber(group.share * 100, 1)]),
    ),
  );
  console.log('');
  console.log(
    renderTable(
      ['function (self time)', 'ms', '% of all'],
      selfTimes(loaded, Number(opts.top)).map((row) => [
        row.label.slice(0, 90),
        formatNumber(row.ms),
        formatNumber(row.share * 100, 1),
      ]),
    ),
  );
  console.log('');
}
console.log(`profiles: ${profileDir} (open in Chrome DevTools → Performance, or speedscope)`);
