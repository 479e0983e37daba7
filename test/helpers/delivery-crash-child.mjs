#!/usr/bin/env node
/**
 * A delivery process for the crash test: runs the delivery stage (loop only) against a SQLite
 * file until SIGTERM, or until the test kills it with SIGKILL mid-attempt. Loads the build in
 * dist/ (run `npm run build` first), as the server does.
 *
 *   node test/helpers/delivery-crash-child.mjs <sqlite-path>
 */
import { createDeliveryStage } from '../../dist/deliver/stage.js';
import { systemClock } from '../../dist/lib/clock.js';
import { Wakeups } from '../../dist/lib/wakeups.js';
import { Bus } from '../../dist/observe/bus.js';
import { createSqliteStore } from '../../dist/store/sqlite/store.js';

const path = process.argv[2];
const store = await createSqliteStore(path);
const stage = createDeliveryStage({
  config: { retryDelaysMs: Array(20).fill(20), deliveryTimeoutMs: 2_000, deliveryAllowPrivate: true },
  runLoop: true,
  store,
  bus: new Bus(),
  clock: systemClock,
  wakeups: new Wakeups((signal, error) => console.error(`a ${signal} listener threw`, error)),
  // A short lease so the next process takes over the killed one's rows quickly.
  options: { leaseMs: 300, pollMs: 10, breaker: { failureThreshold: 1_000, openMs: 10, maxOpenMs: 10 } },
});
stage.start();
process.stdout.write('ready\n');
process.once('SIGTERM', async () => {
  await stage.stop();
  await store.close();
  process.stdout.write('stopped\n');
});
