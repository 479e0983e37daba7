import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Servers under test run in child processes of their own: the measured process holds nothing of
 * the benchmark's, and the OS can give it a core of its own.
 */

/** A port that was free a moment ago on 127.0.0.1 (the OS picks it; the child then binds it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `node ...args` and waits until GET `readyUrl` answers 200. The child's output is kept
 * (last 64 KiB) so a failed start can say why. `stop()` sends SIGTERM and waits for the exit.
 */
export async function startChildServer({ name, args, env, readyUrl, startTimeoutMs = 30_000 }) {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk).slice(-65_536);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exitCode;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exitCode = code ?? signal;
      resolve();
    });
  });

  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (exitCode !== undefined)
      throw new Error(`${name} exited (${exitCode}) before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready within ${startTimeoutMs} ms:\n${output}`);
    }
    const ready = await fetch(readyUrl).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    await sleep(50);
  }

  return {
    name,
    pid: child.pid,
    output: () => output,
    async stop(timeoutMs = 10_000) {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
      return exitCode;
    },
  };
}

export async function getText(url, headers = {}) {
  const response = await fetch(url, { headers });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${text.slice(0, 200)}`);
  return text;
}

/**
 * `wahook serve` (this checkout's dist/) on a private copy of a prepared SQLite file, so every run
 * starts from the same bytes. `env` adds to or overrides the settings below; `stop()` also removes
 * the copy. Answers `{ base, stop }`.
 */
export async function serveSqliteCopy({ template, root, tag, env, startTimeoutMs }) {
  const dir = mkdtempSync(join(tmpdir(), `wahook-bench-${tag}-`));
  copyFileSync(template, join(dir, 'wahook.db'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = await startChildServer({
    name: 'wahook',
    args: [join(root, 'dist/main.js'), 'serve'],
    env: {
      WAHOOK_HOST: '127.0.0.1',
      WAHOOK_PORT: String(port),
      WAHOOK_DATABASE_URL: `sqlite:${join(dir, 'wahook.db')}`,
      WAHOOK_VERIFY_TOKEN: 'bench-verify-token',
      WAHOOK_LOG_LEVEL: 'warn',
      ...env,
    },
    readyUrl: `${base}/readyz`,
    ...(startTimeoutMs ? { startTimeoutMs } : {}),
  });
  return {
    base,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
