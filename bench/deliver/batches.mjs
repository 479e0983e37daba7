import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/**
 * Batched against single delivery, the delivery loop alone: a fresh SQLite file preloaded with
 * `--events` events of distinct ordering keys for one subscription, then the real delivery loop
 * (real claim, HTTP over loopback to a subscriber that answers 200 at once, attempt records) timed
 * from start until every delivery has succeeded. Prints events/s and requests per mode.
 *
 *   npm run bench:deliver -- --events 20000 --batches 0,10,100
 */
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    batches: { type: 'string', default: '0,10,100' },
  },
});
const dist = new URL('../../dist/', import.meta.url);
const load = (path) => import(new URL(path, dist));
const [
  { createSqliteStore },
  { DeliveryLoop },
  { deliveryOptions },
  { Bus },
  { systemClock },
  { generateSecret },
] = await Promise.all([
  load('store/sqlite/store.js'),
  load('deliver/delivery-loop.js'),
  load('deliver/options.js'),
  load('observe/bus.js'),
  load('lib/clock.js'),
  load('deliver/signing.js'),
]);

const count = Number(values.events);
for (const maxEvents of values.batches.split(',').map(Number)) {
  const result = await measure(maxEvents);
  const mode = maxEvents === 0 ? 'single' : `batch ${maxEvents}`;
  console.log(
    `${mode.padEnd(10)} ${count} events in ${result.seconds.toFixed(2)} s: ${Math.round(count / result.seconds)} events/s, ${result.requests} requests`,
  );
}

async function measure(maxEvents) {
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
  const store = await createSqliteStore(join(dir, 'wahook.db'));
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
      secret: generateSecret(),
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
    let done = 0;
    const bus = new Bus();
    const finished = new Promise((resolve) =>
      bus.on('delivery:succeeded', () => {
        done += 1;
        if (done === count) resolve();
      }),
    );
    const loop = new DeliveryLoop({
      store,
      bus,
      clock: systemClock,
      options: deliveryOptions(
        { retryDelaysMs: [1000], deliveryTimeoutMs: 10_000, deliveryAllowPrivate: true },
        { pollMs: 5 },
      ),
    });
    const started = performance.now();
    loop.start();
    await finished;
    const seconds = (performance.now() - started) / 1000;
    await loop.stop();
    return { seconds, requests };
  } finally {
    await store.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
