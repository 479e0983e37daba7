import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupTimes, loadProfile, selfTimes } from '../lib/cpu-profile.mjs';
import { formatNumber, renderTable } from '../lib/stats.mjs';
import { drain } from './drain.mjs';

/**
 * A CPU profile of one drain, read as "where does a row's time go": parsing, the status merge,
 * building events, each store call, JSON, GC. Groups are inclusive (a call inside another counts
 * for both), so their shares need not add up to 100 %.
 */
const storeCall = (name, ...aliases) => ({
  name: `store: ${name}`,
  match: (frame) => [name, ...aliases].includes(frame.functionName) && frame.url.includes('/dist/store/'),
});

const GROUPS = [
  { name: 'parse (envelope → items)', match: (frame) => frame.url.includes('/dist/process/parse/') },
  { name: '  of which zod', match: (frame) => frame.url.includes('/node_modules/zod/') },
  { name: '  of which event ids (sha256)', match: (frame) => frame.url.endsWith('/dist/events/ids.js') },
  {
    name: 'status merge + record',
    match: (frame) =>
      /\/dist\/(process\/(status-merge|message-record)|whatsapp\/status-rank)\.js$/.test(frame.url),
  },
  { name: 'build events', match: (frame) => frame.url.endsWith('/dist/process/build-events.js') },
  storeCall('claimInbox', 'claimInboxNow'),
  storeCall('getMessages'),
  storeCall('putMessages'),
  storeCall('insertEvents'),
  storeCall('enqueueDeliveries'),
  storeCall('finish'),
  { name: 'store: BEGIN/COMMIT', match: (frame) => frame.functionName === 'exec' && frame.url === '' },
  { name: 'JSON.stringify', match: (frame) => frame.functionName === 'stringify' && frame.url === '' },
  { name: 'JSON.parse', match: (frame) => frame.functionName === 'parse' && frame.url === '' },
  {
    name: 'bus + metrics',
    match: (frame) =>
      frame.url.includes('/dist/observe/') || frame.url.includes('/node_modules/prom-client/'),
  },
  { name: 'garbage collection', match: (frame) => frame.functionName === '(garbage collector)' },
];

export async function profileDrain(build, database, rows, options) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  const measured = await drain(build, database, rows, options);
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();

  const dir = mkdtempSync(join(tmpdir(), 'wahook-bench-profile-'));
  try {
    const file = join(dir, 'drain.cpuprofile');
    writeFileSync(file, JSON.stringify(profile));
    const loaded = loadProfile(file);
    const groups = groupTimes(loaded, GROUPS);
    const self = selfTimes(loaded, 15);
    print(measured, groups, self);
    return { measured, groups, self };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function print(measured, groups, self) {
  const pct = (share) => `${formatNumber(share * 100, 1)} %`;
  console.log(
    `\nprofile of one drain (${formatNumber(measured.rowsPerSec)} rows/s under the profiler); ` +
      `busy ${formatNumber(groups.busyMs)} ms, idle ${formatNumber(groups.idleMs)} ms\n`,
  );
  console.log(
    renderTable(
      ['where (inclusive)', 'ms', 'share of busy'],
      groups.groups.map((group) => [group.name, formatNumber(group.ms), pct(group.share)]),
    ),
  );
  console.log('\nself time, top functions\n');
  console.log(
    renderTable(
      ['function', 'ms', 'share of all'],
      self.map((entry) => [entry.label, formatNumber(entry.ms), pct(entry.share)]),
    ),
  );
}
