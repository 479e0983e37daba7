/**
 * bench:send: sends per second through POST /v1/messages to the fake Graph API, against the fake's
 * own ceiling measured in the same run with the same load generator, and the latency wahook adds
 * (p50/p99 of wahook's answer minus the fake's). Both servers run as child processes; the load
 * generator (closed loop, `CONNECTIONS` requests in flight, a fresh recipient per request so the
 * pair limit never applies) runs here. Rounds alternate fake / wahook; figures are medians.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { freePort, startChildServer } from '../lib/child-server.mjs';
import { median } from '../lib/stats.mjs';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const NUMBER_ID = '112233445566778';
const TOKEN = 'fake-graph-token';
const ADMIN = 'bench-admin-token';

const template = { type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } };

async function load(url, headers, bodyFor) {
  const origin = new URL(url).origin;
  const path = new URL(url).pathname;
  const pool = new Pool(origin, { connections: CONNECTIONS, pipelining: 1 });
  const latencies = [];
  const statuses = new Map();
  let sequence = 0;
  const deadline = performance.now() + DURATION_MS;
  const worker = async () => {
    while (performance.now() < deadline) {
      const body = JSON.stringify(bodyFor(sequence++));
      const started = performance.now();
      const response = await pool.request({
        method: 'POST',
        path,
        headers: { ...headers, 'content-type': 'application/json' },
        body,
      });
      await response.body.arrayBuffer();
      latencies.push(performance.now() - started);
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return {
    perSecond: latencies.length / seconds,
    p50: at(0.5),
    p99: at(0.99),
    statuses: Object.fromEntries(statuses),
  };
}

/** A valid Israeli mobile number per request: +97250 and seven digits. */
const recipient = (n) => `+97250${String(1_000_000 + (n % 8_999_999)).padStart(7, '0')}`;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-send-'));
  const fakePort = await freePort();
  const wahookPort = await freePort();
  const fake = await startChildServer({
    name: 'fake-graph',
    args: [
      MAIN,
      'fake-graph',
      '--port',
      String(fakePort),
      '--webhook-url',
      'none',
      '--throughput',
      '1000000',
      '--pair-burst',
      '1000000',
    ],
    env: {},
    readyUrl: `http://127.0.0.1:${fakePort}/_fake/sends?ready`,
  });
  const wahook = await startChildServer({
    name: 'wahook',
    args: [MAIN, 'serve'],
    env: {
      WAHOOK_PORT: String(wahookPort),
      WAHOOK_DATABASE_URL: `sqlite:${join(dir, 'wahook.db')}`,
      WAHOOK_APP_SECRETS: 'bench-secret',
      WAHOOK_VERIFY_TOKEN: 'bench-verify',
      WAHOOK_ADMIN_TOKEN: ADMIN,
      WAHOOK_LOG_LEVEL: 'warn',
      WAHOOK_GRAPH_API_URL: `http://127.0.0.1:${fakePort}`,
      WAHOOK_GRAPH_ACCESS_TOKEN: TOKEN,
      WAHOOK_SEND_THROUGHPUT: '10000',
    },
    readyUrl: `http://127.0.0.1:${wahookPort}/readyz`,
  });
  const fakeRuns = [];
  const wahookRuns = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      fakeRuns.push(
        await load(
          `http://127.0.0.1:${fakePort}/v25.0/${NUMBER_ID}/messages`,
          { authorization: `Bearer ${TOKEN}` },
          (n) => ({
            messaging_product: 'whatsapp',
            to: recipient(n + round * 10_000_000),
            ...template,
            biz_opaque_callback_data: `wahook:send:bench${n}`,
          }),
        ),
      );
      wahookRuns.push(
        await load(
          `http://127.0.0.1:${wahookPort}/v1/messages`,
          { authorization: `Bearer ${ADMIN}` },
          (n) => ({
            phone_number_id: NUMBER_ID,
            to: recipient(n + round * 10_000_000 + 5_000_000),
            message: template,
            metadata: { guest_id: `g-${n}` },
          }),
        ),
      );
      console.error(
        `round ${round + 1}: fake ${fakeRuns.at(-1).perSecond.toFixed(0)}/s, wahook ${wahookRuns.at(-1).perSecond.toFixed(0)}/s ${JSON.stringify(wahookRuns.at(-1).statuses)}`,
      );
    }
  } finally {
    await wahook.stop();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const m = (runs, key) => median(runs.map((run) => run[key]));
  const report = {
    connections: CONNECTIONS,
    rounds: ROUNDS,
    durationMs: DURATION_MS,
    fake: { perSecond: m(fakeRuns, 'perSecond'), p50Ms: m(fakeRuns, 'p50'), p99Ms: m(fakeRuns, 'p99') },
    wahook: {
      perSecond: m(wahookRuns, 'perSecond'),
      p50Ms: m(wahookRuns, 'p50'),
      p99Ms: m(wahookRuns, 'p99'),
    },
  };
  report.ratio = report.wahook.perSecond / report.fake.perSecond;
  report.addedLatencyMs = {
    p50: report.wahook.p50Ms - report.fake.p50Ms,
    p99: report.wahook.p99Ms - report.fake.p99Ms,
  };
  console.log(JSON.stringify(report, null, 2));
}

await main();
