import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, getText, startChildServer } from '../lib/child-server.mjs';
import { createBenchSchema } from '../lib/postgres.mjs';

/**
 * The pipeline under test, in child processes with fixed secrets, plus the admin calls the
 * end-to-end benchmark needs: all roles in one process on a fresh SQLite file (the default), or
 * roles split over processes on a fresh PostgreSQL schema.
 */
const WAHOOK_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export const SECRETS = Object.freeze({
  appSecret: 'bench-app-secret-0123456789abcdef',
  verifyToken: 'bench-verify-token',
  adminToken: 'bench-admin-token',
});

export async function startWahookPipeline({ dist, env = {}, nodeArgs = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'wahook-e2e-'));
  const server = await startOne({
    name: 'wahook',
    dist,
    nodeArgs,
    env: { WAHOOK_ROLES: 'all', WAHOOK_DATABASE_URL: `sqlite:${join(dir, 'wahook.db')}`, ...env },
  });
  return {
    ...withAdmin(server.base),
    pid: server.pid,
    pids: [server.pid],
    cpuSeconds: () => 0,
    label: 'SQLite, all roles in one process',
    webhookUrls: [server.webhookUrl],
    async stop() {
      const code = await server.stop();
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/**
 * Roles split over processes on one fresh PostgreSQL schema: `perRole` receivers, workers and
 * delivery loops (3 × perRole processes). The sender spreads its requests over the receivers as a
 * load balancer would; the database server's CPU counts as the pipeline's. The first process
 * migrates the schema alone, the rest start after it is ready.
 */
export async function startWahookCluster({ perRole, dist, env = {}, nodeArgs = [] }) {
  const schema = await createBenchSchema();
  const servers = [];
  try {
    const common = { WAHOOK_DATABASE_URL: schema.url, ...env };
    for (let n = 0; n < perRole; n++)
      for (const role of ['receiver', 'worker', 'delivery'])
        servers.push(
          await startOne({
            name: `wahook ${role} ${n + 1}`,
            dist,
            nodeArgs,
            env: { ...common, WAHOOK_ROLES: role },
          }),
        );
  } catch (err) {
    await Promise.all(servers.map((server) => server.stop()));
    await schema.drop();
    throw err;
  }
  const receivers = servers.filter((server) => server.name.includes('receiver'));
  return {
    ...withAdmin(receivers[0].base),
    pid: servers[0].pid,
    pids: servers.map((server) => server.pid),
    cpuSeconds: schema.cpuSeconds,
    label: `PostgreSQL, ${perRole} process(es) per role`,
    webhookUrls: receivers.map((server) => server.webhookUrl),
    async stop() {
      const codes = await Promise.all(servers.map((server) => server.stop()));
      await schema.drop();
      return codes.find((code) => code !== 0) ?? 0;
    },
  };
}

async function startOne({ name, dist, nodeArgs, env }) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = await startChildServer({
    name,
    args: [...nodeArgs, dist ? join(dist, 'main.js') : WAHOOK_MAIN, 'serve'],
    env: {
      WAHOOK_HOST: '127.0.0.1',
      WAHOOK_PORT: String(port),
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
  return { ...server, base, webhookUrl: new URL('/webhooks/whatsapp', base) };
}

/** The admin calls the benchmark makes, against one process's API. */
function withAdmin(base) {
  const admin = { authorization: `Bearer ${SECRETS.adminToken}` };
  return {
    base,
    async stats() {
      return JSON.parse(await getText(`${base}/v1/stats`, admin));
    },
    /** `batch`: the API's `{max_events, max_wait}`, or null for one event per POST. */
    async subscribe(url, batch = null) {
      const response = await fetch(`${base}/v1/subscriptions`, {
        method: 'POST',
        headers: { ...admin, 'content-type': 'application/json' },
        body: JSON.stringify({
          url,
          events: ['*'],
          description: 'e2e benchmark subscriber',
          ...(batch ? { batch } : {}),
        }),
      });
      const text = await response.text();
      if (response.status !== 201)
        throw new Error(`POST /v1/subscriptions answered ${response.status}: ${text.slice(0, 300)}`);
      const subscription = JSON.parse(text);
      // Figures from a subscription without the batch asked for would pass for batched ones.
      if (batch && subscription.batch?.max_events !== batch.max_events)
        throw new Error(`the subscription was made without the batch asked for: ${text.slice(0, 300)}`);
      return subscription;
    },
  };
}
