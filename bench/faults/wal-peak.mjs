#!/usr/bin/env node
/**
 * How large SQLite's WAL gets under sustained webhook traffic with every role in one process (the
 * receiver appending, the worker processing, the delivery loop and the API reading), and how large
 * it still is once traffic stops.
 *
 *   node bench/faults/wal-peak.mjs [--rates 200,500,1000] [--duration 8] [--idle 5]
 *                                  [--drain 0] [--dist DIR] [--env KEY=VALUE,...]
 *
 * For each rate: a fresh `wahook serve` (WAHOOK_ROLES=all, SQLite in a temp folder), signed
 * one-status webhooks sent open-loop at that rate for --duration s, the WAL file's size sampled
 * every 50 ms, then --idle s without traffic. Prints the peak WAL size under load, its size at the
 * end of the idle period, and how many requests were not answered 200. --drain N also stores N
 * webhooks with only the receiver running, then starts every role on that backlog and reports the
 * WAL's peak while the worker drains it and its size once the backlog is empty.
 *
 * --dist runs another build (a copy of dist/ with sql/ beside it, inside the repository, e.g.
 * .bench-base/before/dist) so a change is compared with the build before it on the same machine.
 * Sizes are not timings, but on a loaded machine the rate a run reaches can fall short of the
 * target: the achieved rate is printed beside each figure.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildWebhooks, closeSenderSockets, sendOpenLoop } from '../e2e/open-loop.mjs';
import { freePort, getText, startChildServer } from '../lib/child-server.mjs';

const { values: opts } = parseArgs({
  options: {
    rates: { type: 'string', default: '200,500,1000' },
    duration: { type: 'string', default: '8' },
    idle: { type: 'string', default: '5' },
    drain: { type: 'string', default: '0' },
    dist: { type: 'string' },
    env: { type: 'string', default: '' },
  },
});
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(opts.dist ?? join(ROOT, 'dist'), 'main.js');
const SECRET = 'bench-app-secret';
const ADMIN = 'bench-admin-token';
const extraEnv = Object.fromEntries(
  opts.env
    .split(',')
    .filter(Boolean)
    .map((pair) => pair.split('=')),
);

async function startWahook(dir, roles) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = await startChildServer({
    name: 'wahook',
    args: [MAIN, 'serve'],
    env: {
      WAHOOK_ROLES: roles,
      WAHOOK_HOST: '127.0.0.1',
      WAHOOK_PORT: String(port),
      WAHOOK_DATABASE_URL: `sqlite:${join(dir, 'wahook.db')}`,
      WAHOOK_APP_SECRETS: SECRET,
      WAHOOK_VERIFY_TOKEN: 'bench-verify',
      WAHOOK_ADMIN_TOKEN: ADMIN,
      WAHOOK_LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    readyUrl: `${base}/readyz`,
  });
  return { ...server, base, url: `${base}/webhooks/whatsapp` };
}

function walBytes(dir) {
  const path = join(dir, 'wahook.db-wal');
  return existsSync(path) ? statSync(path).size : 0;
}

/** Samples the WAL size every 50 ms (and polls the API as an admin reader would) until stopped. */
function sampleWal(dir, base) {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, walBytes(dir));
      await getText(`${base}/v1/stats`, { authorization: `Bearer ${ADMIN}` }).catch(() => undefined);
      await sleep(50);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return Math.max(peak, walBytes(dir));
    },
  };
}

async function pending(base) {
  const text = await getText(`${base}/v1/stats`, { authorization: `Bearer ${ADMIN}` });
  return JSON.parse(text).inbox.pending;
}

const mb = (bytes) => (bytes / 1e6).toFixed(1);

async function measureRate(rate, step) {
  const dir = mkdtempSync(join(tmpdir(), 'wahook-wal-'));
  const server = await startWahook(dir, 'all');
  try {
    const webhooks = buildWebhooks(SECRET, step, Math.round(rate * Number(opts.duration)));
    const sampler = sampleWal(dir, server.base);
    const started = performance.now();
    const records = await sendOpenLoop({ urls: [server.url], webhooks, rate });
    const seconds = (performance.now() - started) / 1000;
    const failed = records.filter((record) => record.status !== 200).length;
    const latencies = records.map((record) => record.ackedAt - record.dueAt).sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? Number.NaN;
    const peak = await sampler.stop();
    await sleep(Number(opts.idle) * 1000);
    const idle = walBytes(dir);
    return { label: `${rate}/s`, achieved: webhooks.length / seconds, peak, idle, failed, p99 };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measureDrain(rows) {
  const dir = mkdtempSync(join(tmpdir(), 'wahook-wal-'));
  try {
    const receiver = await startWahook(dir, 'receiver');
    const records = await sendOpenLoop({
      urls: [receiver.url],
      webhooks: buildWebhooks(SECRET, 'drain', rows),
      rate: 2000,
    });
    await receiver.stop();
    const server = await startWahook(dir, 'all');
    try {
      const sampler = sampleWal(dir, server.base);
      while ((await pending(server.base)) > 0) await sleep(200);
      const peak = await sampler.stop();
      await sleep(Number(opts.idle) * 1000);
      const idle = walBytes(dir);
      const failed = records.filter((record) => record.status !== 200).length;
      return { label: `drain ${rows}`, achieved: Number.NaN, peak, idle, failed, p99: Number.NaN };
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const [i, rate] of opts.rates.split(',').filter(Boolean).map(Number).entries()) {
  results.push(await measureRate(rate, `r${i}`));
}
if (Number(opts.drain) > 0) results.push(await measureDrain(Number(opts.drain)));
closeSenderSockets();

console.log(`build: ${MAIN}${opts.env ? `  env: ${opts.env}` : ''}`);
console.log('load         achieved/s  WAL peak MB  WAL after idle MB  not 200  ack p99 ms');
for (const r of results) {
  console.log(
    `${r.label.padEnd(12)} ${(Number.isNaN(r.achieved) ? '-' : r.achieved.toFixed(0)).padStart(10)}  ` +
      `${mb(r.peak).padStart(11)}  ${mb(r.idle).padStart(17)}  ${String(r.failed).padStart(7)}  ` +
      `${(Number.isNaN(r.p99) ? '-' : r.p99.toFixed(0)).padStart(10)}`,
  );
}
