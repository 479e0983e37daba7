import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type ChildServer, runWahook, spawnServe } from './server.js';
import { createTempDir, type TempDir } from './tmp.js';

/**
 * `wahook serve` in local mode as a developer starts it: a real child process in an empty folder
 * with nothing configured. It listens on a port that was free a moment ago rather than on port 0,
 * so that a command run from the same folder with only WAHOOK_PORT set finds it, as after
 * `npm start`.
 */
export interface LocalServe {
  readonly dir: TempDir;
  readonly server: ChildServer;
  readonly port: string;
  /** A command in the folder `serve` runs in (or `cwd`), with only the port set. */
  wahook(
    args: readonly string[],
    options?: { cwd?: string; timeoutMs?: number },
  ): ReturnType<typeof runWahook>;
  /** The admin token local mode generated in the data folder. */
  adminToken(): string;
  /** Stops the server and deletes its folder. */
  stop(): Promise<void>;
}

export async function startLocalServe(
  prefix: string,
  options: { serveArgs?: readonly string[]; env?: Record<string, string> } = {},
): Promise<LocalServe> {
  const dir = await createTempDir(prefix);
  const port = String(await freePort());
  let server: ChildServer;
  try {
    server = await spawnServe(
      { cwd: dir.path, env: { WAHOOK_PORT: port, WAHOOK_LOG_LEVEL: 'warn', ...options.env } },
      options.serveArgs,
    );
  } catch (error) {
    await dir.remove();
    throw error;
  }
  return {
    dir,
    server,
    port,
    wahook: (args, run = {}) =>
      runWahook(args, {
        cwd: run.cwd ?? dir.path,
        env: { WAHOOK_PORT: port },
        timeoutMs: run.timeoutMs ?? 30_000,
      }),
    adminToken: () =>
      (
        JSON.parse(readFileSync(join(dir.path, 'data', 'local-secrets.json'), 'utf8')) as {
          adminToken: string;
        }
      ).adminToken,
    stop: async () => {
      await server.kill('SIGTERM');
      await dir.remove();
    },
  };
}

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}
