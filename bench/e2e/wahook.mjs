import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, getText, startChildServer } from '../lib/child-server.mjs';

/**
 * The whole pipeline in one child process (`WAHOOK_ROLES=all`: receiver, worker and delivery loop
 * share the SQLite file), with a fresh data folder and fixed secrets, plus the admin calls the
 * end-to-end benchmark needs.
 */
const WAHOOK_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export const SECRETS = Object.freeze({
  appSecret: 'bench-app-secret-0123456789abcdef',
  verifyToken: 'bench-verify-token',
  adminToken: 'bench-admin-token',
});

export async function startWahookPipeline({ dist, env = {}, nodeArgs = [] } = {}) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'wahook-e2e-'));
  const server = await startChildServer({
    name: 'wahook',
    args: [...nodeArgs, dist ? join(dist, 'main.js') : WAHOOK_MAIN, 'serve'],
    env: {
      WAHOOK_ROLES: 'all',
      WAHOOK_HOST: '127.0.0.1',
      WAHOOK_PORT: String(port),
      WAHOOK_DATABASE_URL: `sqlite:${join(dir, 'wahook.db')}`,
      WAHOOK_APP_SECRETS: SECRETS.appSecret,
      WAHOOK_VERIFY_TOKEN: SECRETS.verifyToken,
      WAHOOK_ADMIN_TOKEN: SECRETS.adminToken,
      WAHOOK_LOG_LEVEL: 'warn',
      // The bench's subscriber listens on loopback.
      WAHOOK_DELIVERY_ALLOW_PRIVATE: 'true',
      ...env,
    },
    readyUrl: `${base}/readyz`,
  });
  const admin = { authorization: `Bearer ${SECRETS.adminToken}` };
  return {
    ...server,
    base,
    webhookUrl: new URL('/webhooks/whatsapp', base),
    async stats() {
      return JSON.parse(await getText(`${base}/v1/stats`, admin));
    },
    async subscribe(url) {
      const response = await fetch(`${base}/v1/subscriptions`, {
        method: 'POST',
        headers: { ...admin, 'content-type': 'application/json' },
        body: JSON.stringify({ url, events: ['*'], description: 'e2e benchmark subscriber' }),
      });
      const text = await response.text();
      if (response.status !== 201)
        throw new Error(`POST /v1/subscriptions answered ${response.status}: ${text.slice(0, 300)}`);
      return JSON.parse(text);
    },
    async stop() {
      const code = await server.stop();
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}
