import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from '../lib/stats.mjs';

/**
 * The delivery loop alone, batched against single delivery: a fresh SQLite file preloaded with
 * `--events` events of distinct ordering keys for one subscription, then the real delivery loop
 * (real claim, HTTP over loopback to a subscriber that answers 200 at once, attempt records) timed
 * from start until every delivery has succeeded. Per mode it prints events/s, CPU per event (the
 * whole process: loop, store and the subscriber, which is the same for every build), and how many
 * claims and attempt-record commits the store saw per 100 events.
 *
 *   npm run bench:deliver -- --events 20000 --batches 0,10,100 --runs 3 [--baseline-dist DIR]
 *
 * `--baseline-dist` measures another build (a copy of dist/ with sql/ beside it, inside the repo so
 * node_modules resolves) in the same runs, alternating with this one, and prints this / baseline.
 */
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    batches: { type: 'string', default: '0,10,100' },
    runs: { type: 'string', default: '1' },
    'baseline-dist': { type: 'string' },
  },
});
const count = Number(values.events);
const runs = Number(values.runs);
const builds = [{ name: 'this build', dist: new URL('../../dist/', import.meta.url) }];
if (values['baseline-dist'])
  builds.push({ name: 'baseline', dist: pathToFileURL(`${resolve(values['baseline-dist'])}/`) });
for (const build of builds) build.modules = await loadBuild(build.dist);

const results = new Map();
for (let run = 1; run <= runs; run++) {
  for (const maxEvents of values.batches.split(',').map(Number)) {
    // Alternate which build goes first, so neither always meets the warmer machine.
    const order = run % 2 === 1 ? builds : [...builds].reverse();
    for (const build of order) {
      const result = await measure(build.modules, maxEvents);
      const key = `${modeName(maxEvents)}|${build.name}`;
      results.set(key, [...(results.get(key) ?? []), result]);
      console.log(`run ${run} ${modeName(maxEvents).padEnd(9)} ${build.name.padEnd(10)} ${describe(result)}`);
    }
  }
}

console.log(`\nmedians of ${runs} run(s), ${count} events each`);
for (const maxEvents of values.batches.split(',').map(Number)) {
  const mode = modeName(maxEvents);
  const mine = summarize(results.get(`${mode}|this build`));
  let line = `${mode.padEnd(9)} ${describe(mine)}`;
  if (builds.length > 1) {
    const base = summarize(results.get(`${mode}|baseline`));
    line += `\n${''.padEnd(9)} baseline: ${describe(base)}`;
    line += `\n${''.padEnd(9)} this / baseline: events/s ${(mine.eventsPerSec / base.eventsPerSec).toFixed(2)}×, CPU per event ${(mine.cpuUsPerEvent / base.cpuUsPerEvent).toFixed(2)}×`;
  }
  console.log(line);
}

function modeName(maxEvents) {
  return maxEvents === 0 ? 'single' : `batch ${maxEvents}`;
}

function describe(r) {
  return (
    `${Math.round(r.eventsPerSec)} events/s, ${Math.round(r.cpuUsPerEvent)} CPU µs/event, ` +
    `${r.requests} requests, per 100 events ${r.claimsPer100.toFixed(1)} claims and ${r.commitsPer100.toFixed(1)} record commits`
  );
}

function summarize(list) {
  const pick = (name) => median(list.map((r) => r[name]));
  return {
    eventsPerSec: pick('eventsPerSec'),
    cpuUsPerEvent: pick('cpuUsPerEvent'),
    requests: pick('requests'),
    claimsPer100: pick('claimsPer100'),
    commitsPer100: pick('commitsPer100'),
  };
}

async function loadBuild(dist) {
  const load = (path) => import(new URL(path, dist));
  const [store, loop, options, bus, clock, signing] = await Promise.all([
    load('store/sqlite/store.js'),
    load('deliver/delivery-loop.js'),
    load('deliver/options.js'),
    load('observe/bus.js'),
    load('lib/clock.js'),
    load('deliver/signing.js'),
  ]);
  return {
    createSqliteStore: store.createSqliteStore,
    DeliveryLoop: loop.DeliveryLoop,
    deliveryOptions: options.deliveryOptions,
    Bus: bus.Bus,
    systemClock: clock.systemClock,
    generateSecret: signing.generateSecret,
  };
}

async function measure(m, maxEvents) {
  const dir = mkdtempSync(join(tmpdir(), 'wahook-bench-batches-'));
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests += 1;
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const store = await m.createSqliteStore(join(dir, 'wahook.db'));
  try {
    await store.createSubscription({
      id: 'sub_bench',
      url: `http://127.0.0.1:${server.address().port}/hooks`,
      events: ['*'],
      phoneNumberIds: null,
      headers: {},
      description: null,
      enabled: true,
      batch: maxEvents === 0 ? null : { maxEvents, maxWaitMs: 0 },
      secret: m.generateSecret(),
      source: 'api',
      now: Date.now(),
    });
    const now = Date.now();
    for (let start = 0; start < count; start += 1000) {
      const events = Array.from({ length: Math.min(1000, count - start) }, (_, i) => ({
        id: `evt_bench${start + i}`,
        type: 'message.status',
        schemaVersion: 1,
        createdAt: now,
        orderingKey: `msg:wamid.${start + i}`,
        phoneNumberId: '106540352242922',
        data: { messageId: `wamid.${start + i}`, currentStatus: 'sent' },
      }));
      await store.withProcessingTx(async (tx) => tx.enqueueDeliveries(await tx.insertEvents(events), now));
    }
    // Counted around the store the loop is given: how often it claims and commits attempt records.
    let claims = 0;
    let commits = 0;
    const claim = store.claimDeliveries.bind(store);
    store.claimDeliveries = (request) => {
      claims += 1;
      return claim(request);
    };
    const record = store.recordDeliveryAttempts.bind(store);
    store.recordDeliveryAttempts = (entries) => {
      commits += 1;
      return record(entries);
    };
    let done = 0;
    const bus = new m.Bus();
    const finished = new Promise((resolve) =>
      bus.on('delivery:succeeded', () => {
        done += 1;
        if (done === count) resolve();
      }),
    );
    const loop = new m.DeliveryLoop({
      store,
      bus,
      clock: m.systemClock,
      options: m.deliveryOptions(
        { retryDelaysMs: [1000], deliveryTimeoutMs: 10_000, deliveryAllowPrivate: true },
        { pollMs: 5 },
      ),
    });
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    loop.start();
    await finished;
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    await loop.stop();
    return {
      eventsPerSec: count / seconds,
      cpuUsPerEvent: (cpu.user + cpu.system) / count,
      requests,
      claimsPer100: (100 * claims) / count,
      commitsPer100: (100 * commits) / count,
    };
  } finally {
    await store.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
