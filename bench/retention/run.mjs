import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAutocannon } from '../lib/autocannon.mjs';
import { getText, serveSqliteCopy } from '../lib/child-server.mjs';
import { signedStatusWebhook } from '../lib/payload.mjs';
import { median } from '../lib/stats.mjs';

/**
 * Acknowledgement latency while the janitor works off a large backlog, against the same run with
 * the janitor off. Each run starts `wahook serve` (receiver and worker) on a copy of one SQLite
 * file holding BACKLOG processed inbox rows and as many events, all past their retention, and
 * sends signed webhooks from 50 connections for DURATION_SEC. The runs alternate, so a busy moment
 * of the machine hits both; the report gives medians, the ratio of the p99s, and the purge rate
 * (rows removed per second, from wahook_retention_purged_rows_total over the load window).
 *
 *   npm run bench:retention            BACKLOG=100000 DURATION_SEC=5 ROUNDS=2 by default
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BACKLOG = Number(process.env.BACKLOG ?? 100_000);
const DURATION_SEC = Number(process.env.DURATION_SEC ?? 5);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const CONNECTIONS = 50;
const SECRET = 'bench-app-secret-0123456789abcdef';
const ADMIN = 'bench-admin-token';

const { createSqliteStore } = await import(join(ROOT, 'dist/store/sqlite/store.js'));

async function buildTemplate(dir) {
  const path = join(dir, 'template.db');
  const store = await createSqliteStore(path);
  const old = Date.now() - 40 * 86_400_000;
  const body = Buffer.from(
    JSON.stringify({ object: 'whatsapp_business_account', padding: 'x'.repeat(1_400) }),
  );
  const insertInbox = store.db.prepare(
    "INSERT INTO inbox (received_at, source, auth, content_type, headers, body) VALUES (?, 'meta', 'hmac', 'application/json', '{}', ?)",
  );
  const insertEvent = store.db.prepare(
    `INSERT INTO events (id, type, schema_version, created_at, ordering_key, phone_number_id, data)
     VALUES (?, 'message.status', 1, ?, ?, '1', ?)`,
  );
  const data = JSON.stringify({ padding: 'y'.repeat(600) });
  store.db.transaction(() => {
    for (let i = 0; i < BACKLOG; i += 1) {
      insertInbox.run(old + i, body);
      insertEvent.run(`evt_backlog_${i}`, old + i, `wamid.${i}`, data);
    }
    store.db.prepare("UPDATE inbox_state SET state = 'processed', processed_at = ?").run(old);
  })();
  await store.close();
  return path;
}

async function runOnce(template, janitor) {
  const { base, stop } = await serveSqliteCopy({
    template,
    root: ROOT,
    tag: 'retention',
    env: {
      WAHOOK_ROLES: 'receiver,worker',
      WAHOOK_APP_SECRETS: SECRET,
      WAHOOK_ADMIN_TOKEN: ADMIN,
      WAHOOK_RETENTION_INTERVAL: janitor ? '100ms' : 'off',
    },
  });
  try {
    const { body, headers } = signedStatusWebhook(SECRET);
    const purgedBefore = purgedRows(await getText(`${base}/metrics`));
    const started = performance.now();
    const result = await runAutocannon({
      url: `${base}/webhooks/whatsapp`,
      connections: CONNECTIONS,
      durationSec: DURATION_SEC,
      method: 'POST',
      headers,
      body,
    });
    const seconds = (performance.now() - started) / 1000;
    const purged = purgedRows(await getText(`${base}/metrics`)) - purgedBefore;
    return {
      p99: result.latencyMs.p99,
      p50: result.latencyMs.p50,
      rps: result.requestsPerSec,
      non2xx: result.non2xx,
      purgeRate: purged / seconds,
    };
  } finally {
    await stop();
  }
}

function purgedRows(metrics) {
  let total = 0;
  for (const line of metrics.split('\n')) {
    if (line.startsWith('wahook_retention_purged_rows_total{')) total += Number(line.split(' ').at(-1));
  }
  return total;
}

const work = mkdtempSync(join(tmpdir(), 'wahook-bench-template-'));
try {
  console.log(`building a backlog of ${BACKLOG} inbox rows and ${BACKLOG} events past their retention…`);
  const template = await buildTemplate(work);
  const runs = { off: [], on: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const janitor of [false, true]) {
      const run = await runOnce(template, janitor);
      runs[janitor ? 'on' : 'off'].push(run);
      console.log(`round ${round + 1} janitor ${janitor ? 'on ' : 'off'}: ${JSON.stringify(run)}`);
    }
  }
  const p99 = (list) => median(list.map((run) => run.p99));
  const off = p99(runs.off);
  const on = p99(runs.on);
  console.log(
    `\nack p99 at ${CONNECTIONS} connections, median of ${ROUNDS} runs each (same machine, alternating):`,
  );
  console.log(
    `  janitor off: ${off} ms   janitor purging: ${on} ms   ratio ${(on / off).toFixed(2)} (target ≤ 1.5)`,
  );
  console.log(
    `  purge rate while under load: ${Math.round(median(runs.on.map((run) => run.purgeRate)))} rows/s`,
  );
  console.log(
    `  requests/s: off ${Math.round(median(runs.off.map((r) => r.rps)))}, on ${Math.round(median(runs.on.map((r) => r.rps)))}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
