import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { serveSqliteCopy } from '../lib/child-server.mjs';
import { median } from '../lib/stats.mjs';

/**
 * How long each dashboard page takes on a large store, against the same pages on an empty one, and
 * how much JS and CSS each page loads. The large store is one SQLite file holding MESSAGES message
 * records (each with two statuses and a counterpart), one event per message, 20,000 deliveries
 * (half pending, half dead), 5,000 inbox rows (1,000 quarantined) and 1,000 rejected requests.
 * `wahook serve` (role receiver: no background work) runs on a copy; each page is fetched with the
 * admin token: one warm-up pass over all pages, then ROUNDS passes; the time to the whole answer
 * is kept, and each page's median is reported.
 *
 *   npm run bench:dashboard            MESSAGES=1000000 ROUNDS=7 by default
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MESSAGES = Number(process.env.MESSAGES ?? 1_000_000);
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const ADMIN = 'bench-admin-token';
const PHONE = (i) => String(447_700_000_000 + i);
const WAMID = (i) => `wamid.BENCH${String(i).padStart(8, '0')}`;

const { createSqliteStore } = await import(join(ROOT, 'dist/store/sqlite/store.js'));

async function buildStore(dir, messages) {
  const path = join(dir, `store-${messages}.db`);
  const store = await createSqliteStore(path);
  const db = store.db;
  const now = Date.now();
  const insertMessage = db.prepare(
    `INSERT INTO messages (id, direction, status, phone_number_id, record, first_seen_at, updated_at)
     VALUES (?, 'outbound', ?, '106540352242922', ?, ?, ?)`,
  );
  const insertEvent = db.prepare(
    `INSERT INTO events (id, type, schema_version, created_at, ordering_key, phone_number_id, data)
     VALUES (?, 'message.status', 1, ?, ?, '106540352242922', ?)`,
  );
  const at = (i) => now - (messages - i) * 50;
  db.transaction(() => {
    for (let i = 0; i < messages; i += 1) {
      const failed = i % 50 === 0;
      const t = new Date(at(i)).toISOString();
      const counterpart = { waId: PHONE(i % 200_000), recipientId: PHONE(i % 200_000) };
      const history = [
        { status: 'sent', timestamp: t, counterpart, phoneNumberId: '106540352242922' },
        failed
          ? {
              status: 'failed',
              timestamp: t,
              errors: [{ code: 131047, title: 'Re-engagement message', message: null, details: null }],
            }
          : { status: 'delivered', timestamp: t },
      ];
      const status = failed ? 'failed' : 'delivered';
      insertMessage.run(WAMID(i), status, JSON.stringify({ v: 2, history }), at(i), at(i));
      insertEvent.run(
        `evt_bench_${i}`,
        at(i),
        `msg:${WAMID(i)}`,
        JSON.stringify({ messageId: WAMID(i), status, timestamp: t, currentStatus: status }),
      );
    }
    db.prepare(
      `INSERT INTO subscriptions (id, url, events, phone_number_ids, headers, description, enabled, secret, source, created_at, updated_at)
       VALUES ('sub_bench', 'https://erp.example.com/hooks', '["*"]', NULL, '{}', 'bench', 1, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'api', ?, ?)`,
    ).run(now, now);
    const insertDelivery = db.prepare(
      `INSERT INTO deliveries (event_seq, event_id, subscription_id, ordering_key, sequence, state, lane, attempts,
         next_attempt_at, last_status, last_error, event_created_at, created_at, finished_at)
       VALUES (?, ?, 'sub_bench', ?, 1, ?, 'live', 3, ?, 500, 'HTTP 500', ?, ?, ?)`,
    );
    for (let i = 0; i < Math.min(20_000, messages); i += 1) {
      const dead = i % 2 === 0;
      insertDelivery.run(
        i + 1,
        `evt_bench_${i}`,
        `msg:${WAMID(i)}`,
        dead ? 'dead' : 'pending',
        now + 60_000,
        at(i),
        at(i),
        dead ? now : null,
      );
    }
    const insertInbox = db.prepare(
      "INSERT INTO inbox (received_at, source, auth, content_type, headers, body) VALUES (?, 'meta', 'hmac', 'application/json', '{}', ?)",
    );
    for (let i = 0; i < 5_000; i += 1)
      insertInbox.run(now - i, Buffer.from('{"object":"whatsapp_business_account","entry":['));
    db.prepare("UPDATE inbox_state SET state = 'processed', processed_at = ?").run(now);
    db.prepare(
      "UPDATE inbox_state SET state = 'quarantined', error = 'invalid JSON: Unexpected end of JSON input' WHERE id % 5 = 0",
    ).run();
    const insertRejected = db.prepare(
      `INSERT INTO rejected_requests (received_at, method, path, status, reason, hints, headers, body_prefix, body_bytes, remote_address)
       VALUES (?, 'POST', '/webhooks/whatsapp', 401, 'signature_mismatch', '[]', '{}', ?, 2, '203.0.113.9')`,
    );
    for (let i = 0; i < 1_000; i += 1) insertRejected.run(now - i, Buffer.from('{}'));
  })();
  db.exec('ANALYZE');
  const plan = db
    .prepare(
      `EXPLAIN QUERY PLAN SELECT * FROM messages WHERE (${counterpartSql('waId', 8)} = ? OR ${counterpartSql('userId', 10)} = ?) ORDER BY updated_at DESC, id DESC LIMIT 50`,
    )
    .all('x', 'x')
    .map((row) => row.detail);
  await store.close();
  return { path, plan };
}

function counterpartSql(key, n) {
  const found = `instr(record, '"${key}":"')`;
  return `(CASE WHEN ${found} > 0 THEN substr(record, ${found} + ${n}, instr(substr(record, ${found} + ${n}), '"') - 1) END)`;
}

const PAGES = (messages) => [
  '/dashboard',
  '/dashboard/messages',
  `/dashboard/messages?q=${encodeURIComponent(`+${PHONE(12_345)}`)}`,
  `/dashboard/messages?q=${WAMID(Math.max(0, messages - 7))}`,
  `/dashboard/messages/${WAMID(Math.max(0, messages - 7))}`,
  '/dashboard/messages?status=failed',
  '/dashboard/requests',
  '/dashboard/inbox',
  '/dashboard/inbox?state=processed',
  '/dashboard/deliveries',
  '/dashboard/deliveries?state=dead',
  '/dashboard/subscriptions',
];

async function timePages(template, messages) {
  const { base, stop } = await serveSqliteCopy({
    template,
    root: ROOT,
    tag: 'dashboard',
    env: {
      WAHOOK_ROLES: 'receiver',
      WAHOOK_APP_SECRETS: 'bench-app-secret-0123456789abcdef',
      WAHOOK_ADMIN_TOKEN: ADMIN,
      WAHOOK_RETENTION_INTERVAL: 'off',
    },
    startTimeoutMs: 300_000,
  });
  const paths = PAGES(messages);
  const times = paths.map(() => []);
  const statuses = paths.map(() => 0);
  try {
    // One pass to warm up (JIT, page cache), then ROUNDS passes over every page in turn, so a busy
    // moment of the machine lands on all pages alike.
    for (let round = 0; round <= ROUNDS; round += 1) {
      for (const [index, path] of paths.entries()) {
        const started = performance.now();
        const response = await fetch(`${base}${path}`, {
          headers: { authorization: `Bearer ${ADMIN}` },
          redirect: 'manual',
        });
        await response.arrayBuffer();
        statuses[index] = response.status;
        if (round > 0) times[index].push(performance.now() - started);
      }
    }
    const results = paths.map((path, index) => ({
      path,
      status: statuses[index],
      medianMs: median(times[index]),
      maxMs: Math.max(...times[index]),
    }));
    const weights = await pageWeights(base);
    return { results, weights };
  } finally {
    await stop();
  }
}

/** KB of JS and CSS each kind of page loads (raw and gzipped), from the asset links in its HTML. */
async function pageWeights(base) {
  const out = [];
  for (const [name, path] of [
    ['overview', '/dashboard'],
    ['other pages', '/dashboard/requests'],
  ]) {
    const html = await (
      await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } })
    ).text();
    const weight = { js: 0, jsGz: 0, css: 0, cssGz: 0, html: Buffer.byteLength(html) };
    for (const [, asset] of html.matchAll(/(\/dashboard\/assets\/[\w.]+)/g)) {
      const body = Buffer.from(await (await fetch(`${base}${asset}`)).arrayBuffer());
      const kind = asset.endsWith('.css') ? 'css' : 'js';
      weight[kind] += body.length;
      weight[`${kind}Gz`] += gzipSync(body, { level: 9 }).length;
    }
    out.push({ name, ...weight });
  }
  return out;
}

const kb = (bytes) => (bytes / 1024).toFixed(1);
const dir = mkdtempSync(join(tmpdir(), 'wahook-bench-dashboard-build-'));
try {
  const builtAt = performance.now();
  const large = await buildStore(dir, MESSAGES);
  console.log(
    `built a store with ${MESSAGES} messages in ${((performance.now() - builtAt) / 1000).toFixed(1)} s`,
  );
  console.log(`counterpart search plan: ${large.plan.join(' | ')}`);
  const empty = await buildStore(dir, 0);
  const base = await timePages(empty.path, 0);
  const big = await timePages(large.path, MESSAGES);
  console.log(`\npage (median of ${ROUNDS}, ms)            empty     ${MESSAGES} msgs   max    status`);
  big.results.forEach((row, index) => {
    const zero = base.results[index];
    console.log(
      `${row.path.slice(0, 44).padEnd(46)} ${zero.medianMs.toFixed(1).padStart(6)}   ${row.medianMs.toFixed(1).padStart(8)}   ${row.maxMs.toFixed(1).padStart(6)}   ${row.status}`,
    );
  });
  const slowest = big.results.reduce((a, b) => (b.medianMs > a.medianMs ? b : a));
  console.log(
    `\nslowest page: ${slowest.path} at ${slowest.medianMs.toFixed(1)} ms (median), ${slowest.maxMs.toFixed(1)} ms max`,
  );
  console.log('\npage weight          JS KB (gzip)     CSS KB (gzip)    HTML KB');
  for (const w of big.weights) {
    console.log(
      `${w.name.padEnd(20)} ${kb(w.js).padStart(6)} (${kb(w.jsGz)})    ${kb(w.css).padStart(6)} (${kb(w.cssGz)})    ${kb(w.html)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
