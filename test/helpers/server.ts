import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request as httpRequestRaw, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type Config, loadConfig } from '../../src/config/load.js';
import { type RunningServer, type ServerOptions, startServer } from '../../src/server.js';
import type { EachStore } from './delivery-fixtures.js';
import { TEST_ADMIN_TOKEN, TEST_APP_SECRET, TEST_VERIFY_TOKEN } from './signing.js';
import { createTempDir, type TempDir } from './tmp.js';
import { waitFor } from './wait.js';

/**
 * Real servers for tests: in-process on port 0 over a temp SQLite file, or the built executable
 * (`node dist/main.js serve`) as a child process. Requests go through node:http with a fresh
 * connection each, so a test controls every header and a killed server fails requests at once.
 */

type Env = Record<string, string | undefined>;

/** The secrets every test server is configured with unless a test overrides them. */
export const TEST_ENV: Readonly<Record<string, string>> = {
  WAHOOK_APP_SECRETS: TEST_APP_SECRET,
  WAHOOK_VERIFY_TOKEN: TEST_VERIFY_TOKEN,
  WAHOOK_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
  // Every subscriber in the tests listens on loopback.
  WAHOOK_DELIVERY_ALLOW_PRIVATE: 'true',
};

export interface TestServer {
  readonly url: string;
  readonly dataDir: string;
  readonly dbPath: string;
  readonly config: Config;
  readonly server: RunningServer;
  /** Stops the server; the data folder stays until `cleanup`, so a restart can reuse it. */
  stop(): Promise<void>;
  /** Stops the server if still running and removes the data folder when the test made it. */
  cleanup(): Promise<void>;
}

export interface TestServerOptions {
  /** Settings over TEST_ENV; an `undefined` value removes that setting (e.g. for local mode). */
  env?: Env;
  /** Reuse a data folder (a restart); by default a fresh temp folder is made. */
  dataDir?: string;
  stages?: ServerOptions['stages'];
  /** Where the server logs; by default nothing is logged. */
  logger?: ServerOptions['logger'];
}

/** Starts the server in this process on 127.0.0.1, port 0, with its store in a temp folder. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const made: TempDir | undefined = options.dataDir ? undefined : await createTempDir();
  const dataDir = options.dataDir ?? made!.path;
  const dbPath = join(dataDir, 'wahook.db');
  const config = loadConfig({
    ...TEST_ENV,
    WAHOOK_HOST: '127.0.0.1',
    WAHOOK_PORT: '0',
    WAHOOK_DATABASE_URL: `sqlite:${dbPath}`,
    WAHOOK_LOG_LEVEL: 'silent',
    ...options.env,
  });
  const server = await startServer(config, {
    ...(options.stages ? { stages: options.stages } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.stop();
  };
  return {
    url: server.url,
    dataDir,
    dbPath,
    config,
    server,
    stop,
    cleanup: async () => {
      await stop();
      await made?.remove();
    },
  };
}

/**
 * startTestServer on the database of `stores` (describeEachStore): from a `beforeAll`, the describe
 * block's database; from a test, the test's own. Fails when the server opened another store, so a
 * suite named after PostgreSQL cannot pass on the default SQLite file.
 */
export async function startTestServerOn(
  stores: Pick<EachStore, 'backend' | 'serverEnv'>,
  options: TestServerOptions = {},
): Promise<TestServer> {
  const started = await startTestServer({ ...options, env: { ...options.env, ...stores.serverEnv() } });
  const dialect = started.server.store.dialect;
  if (dialect !== stores.backend) {
    await started.cleanup();
    throw new Error(`the test server opened a ${dialect} store, not ${stores.backend}`);
  }
  return started;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  text(): string;
  json<T = Record<string, unknown>>(): T;
}

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  timeoutMs?: number;
}

/** One request on its own connection; rejects on a network error or after `timeoutMs`. */
export function httpRequest(url: string, options: HttpRequestOptions = {}): Promise<HttpResponse> {
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const headers = { ...options.headers };
  if (body && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-length')) {
    headers['content-length'] = String(body.length);
  }
  return new Promise((resolve, reject) => {
    const req = httpRequestRaw(url, { method: options.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: bytes,
          text: () => bytes.toString('utf8'),
          json: <T>() => JSON.parse(bytes.toString('utf8')) as T,
        });
      });
    });
    req.setTimeout(options.timeoutMs ?? 15_000, () =>
      req.destroy(new Error(`no answer from ${url} in time`)),
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** GET or POST on the admin API with the test admin token. */
export function adminRequest(
  baseUrl: string,
  path: string,
  options: HttpRequestOptions & { token?: string } = {},
): Promise<HttpResponse> {
  const token = options.token ?? TEST_ADMIN_TOKEN;
  return httpRequest(`${baseUrl}${path}`, {
    ...options,
    headers: { authorization: `Bearer ${token}`, ...options.headers },
  });
}

/** Every inbox body in the SQLite file, read through a read-only connection of the test's own. */
export function readInboxBodies(dbPath: string): Buffer[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT body FROM inbox ORDER BY id').all() as { body: Buffer }[]).map(
      (row) => row.body,
    );
  } finally {
    db.close();
  }
}

// ---- the built executable as a child process ----

const MAIN_JS = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildServer {
  readonly url: string;
  readonly pid: number;
  readonly exited: Promise<ChildExit>;
  stdout(): string;
  stderr(): string;
  /** Sends `signal` and waits for the process to end. */
  kill(signal: NodeJS.Signals): Promise<ChildExit>;
}

export interface SpawnOptions {
  /** WAHOOK_* settings; nothing else from the test's environment reaches the child but PATH and HOME. */
  env: Env;
  cwd?: string;
  readyTimeoutMs?: number;
}

/** Runs `node dist/main.js <args>`, capturing its output; the caller waits on `exited`. */
export function spawnWahook(args: readonly string[], options: SpawnOptions) {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run \`npm run build\` first`);
  const env: Env = { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env };
  const child: ChildProcess = spawn(process.execPath, [MAIN_JS, ...args], {
    cwd: options.cwd,
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return { child, exited, stdout: () => out, stderr: () => err };
}

/** Starts `wahook serve [args]` and resolves once its printed URL answers /healthz. */
export async function spawnServe(options: SpawnOptions, args: readonly string[] = []): Promise<ChildServer> {
  const { child, exited, stdout, stderr } = spawnWahook(['serve', ...args], options);
  let ended: ChildExit | undefined;
  void exited.then((exit) => {
    ended = exit;
  });
  const kill = async (signal: NodeJS.Signals) => {
    if (!ended) child.kill(signal);
    return exited;
  };
  let url = '';
  try {
    await waitFor(
      async () => {
        if (ended) throw new Error(`wahook serve exited early (${JSON.stringify(ended)}):\n${stderr()}`);
        url ||= /http:\/\/127\.0\.0\.1:\d+/.exec(stdout())?.[0] ?? '';
        return url !== '' && (await isHealthy(url));
      },
      'wahook serve to answer /healthz',
      options.readyTimeoutMs ?? 15_000,
    );
  } catch (error) {
    await kill('SIGKILL');
    throw error;
  }
  return { url, pid: child.pid ?? -1, exited, stdout, stderr, kill };
}

async function isHealthy(url: string): Promise<boolean> {
  try {
    return (await httpRequest(`${url}/healthz`, { timeoutMs: 2_000 })).status === 200;
  } catch {
    return false;
  }
}

/** Runs a wahook command to its end (killed after `timeoutMs`) and returns its exit and output. */
export async function runWahook(
  args: readonly string[],
  options: SpawnOptions & { timeoutMs?: number },
): Promise<ChildExit & { stdout: string; stderr: string }> {
  const { child, exited, stdout, stderr } = spawnWahook(args, options);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
  const exit = await exited.finally(() => clearTimeout(timer));
  return { ...exit, stdout: stdout(), stderr: stderr() };
}
