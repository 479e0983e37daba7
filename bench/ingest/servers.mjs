import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, getText, startChildServer } from '../lib/child-server.mjs';

/** The two servers of the ingest benchmark, each in its own process on 127.0.0.1. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NOOP_SERVER = fileURLToPath(new URL('./noop-server.mjs', import.meta.url));
const WAHOOK_MAIN = join(ROOT, 'dist', 'main.js');

export const SECRETS = Object.freeze({
  appSecret: 'bench-app-secret-0123456789abcdef',
  verifyToken: 'bench-verify-token',
  adminToken: 'bench-admin-token',
});

export const WEBHOOK_PATH = '/webhooks/whatsapp';

export async function startNoopServer({ port, nodeArgs = [] } = {}) {
  const listen = port ?? (await freePort());
  const base = `http://127.0.0.1:${listen}`;
  const server = await startChildServer({
    name: 'no-op server',
    args: [...nodeArgs, NOOP_SERVER],
    env: { PORT: String(listen) },
    readyUrl: `${base}/healthz`,
  });
  return { ...server, kind: 'noop', base, url: `${base}${WEBHOOK_PATH}` };
}

/**
 * `wahook serve` with the receiver role only, a fresh SQLite file in a temp folder (WAL,
 * synchronous=FULL as in production) and fixed secrets. Ready once /readyz proves the store writes.
 * `dist` runs another build (e.g. a copy of dist/ from before a change) to compare against.
 * `databaseUrl` stores in that database instead (a PostgreSQL schema the caller created and drops).
 */
export async function startWahook({ port, nodeArgs = [], dataDir, dist, kind = 'wahook', databaseUrl } = {}) {
  const listen = port ?? (await freePort());
  const main = dist ? join(dist, 'main.js') : WAHOOK_MAIN;
  const base = `http://127.0.0.1:${listen}`;
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'wahook-bench-'));
  const server = await startChildServer({
    name: kind,
    args: [...nodeArgs, main, 'serve'],
    env: {
      WAHOOK_ROLES: 'receiver',
      WAHOOK_HOST: '127.0.0.1',
      WAHOOK_PORT: String(listen),
      WAHOOK_DATABASE_URL: databaseUrl ?? `sqlite:${join(dir, 'wahook.db')}`,
      WAHOOK_APP_SECRETS: SECRETS.appSecret,
      WAHOOK_VERIFY_TOKEN: SECRETS.verifyToken,
      WAHOOK_ADMIN_TOKEN: SECRETS.adminToken,
      WAHOOK_LOG_LEVEL: 'warn',
    },
    readyUrl: `${base}/readyz`,
  });
  return {
    ...server,
    kind,
    base,
    url: `${base}${WEBHOOK_PATH}`,
    dataDir: dir,
    metrics: () => getText(`${base}/metrics`),
    async inboxTotal() {
      const text = await getText(`${base}/v1/stats`, { authorization: `Bearer ${SECRETS.adminToken}` });
      return JSON.parse(text).inbox.total;
    },
    async stop() {
      const code = await server.stop();
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}
