import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';

/**
 * PostgreSQL for the benchmarks: one server (WAHOOK_BENCH_DATABASE_URL, by default the local test
 * database), a fresh schema per measurement selected through search_path, so runs never see each
 * other's rows and nothing is left behind.
 */
export const BENCH_DATABASE_URL =
  process.env.WAHOOK_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The databases a `--database` option names, in measuring order. */
export function parseDatabases(option) {
  if (option === 'both') return ['sqlite', 'postgres'];
  if (option === 'sqlite' || option === 'postgres') return [option];
  throw new Error(`--database ${option}: expected sqlite, postgres or both`);
}

/** `base` with search_path set to `schema`, keeping any other startup options it carries. */
export function urlWithSchema(base, schema) {
  const url = new URL(base);
  const options = [url.searchParams.get('options'), `-c search_path=${schema}`].filter(Boolean).join(' ');
  url.searchParams.set('options', options);
  return url.toString();
}

let sequence = 0;

/**
 * Creates `bench_<time>_<n>`; `drop()` removes it with everything wahook migrated into it.
 * `cpuSeconds()` is the PostgreSQL server's CPU so far when it runs on this machine (0 otherwise).
 */
export async function createBenchSchema(base = BENCH_DATABASE_URL) {
  sequence += 1;
  const schema = `bench_${Date.now()}_${process.pid}_${sequence}`;
  const postmaster = await withAdmin(base, async (client) => {
    await client.query(`CREATE SCHEMA ${schema}`);
    // The backend's parent while it still runs: its pid is gone once the session ends.
    return parentPid((await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
  });
  return {
    schema,
    url: urlWithSchema(base, schema),
    cpuSeconds: () => (postmaster ? postgresCpuSeconds(postmaster) : 0),
    drop: () => withAdmin(base, (client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)),
  };
}

function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function parentPid(pid) {
  try {
    return Number(statFields(pid)[1]);
  } catch {
    return undefined; // not on this machine, or not Linux
  }
}

/**
 * The postmaster and every process it runs. A backend that exited is in the postmaster's
 * children time, one still running is read directly, so readings taken while connections open and
 * close stay comparable. Other users of the same server count too: the benchmark cannot tell.
 */
function postgresCpuSeconds(postmaster) {
  const own = statFields(postmaster).map(Number);
  let ticks = own[11] + own[12] + own[13] + own[14];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = statFields(entry);
      if (Number(fields[1]) === postmaster) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited between the listing and the read: its time is in the postmaster's children time
    }
  }
  return ticks / 100;
}

async function withAdmin(base, work) {
  const client = new pg.Client({ connectionString: base, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `cannot reach PostgreSQL for the benchmark (${err.message}): start it or set WAHOOK_BENCH_DATABASE_URL`,
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
