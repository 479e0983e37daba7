import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, httpRequest, spawnServe } from '../helpers/server.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';

/**
 * A local-mode process without the receiver role has no webhook routes: its banner must not print
 * curl lines for them (they would answer 404), only what the process does serve.
 */
let dir: TempDir;
let server: ChildServer;

beforeAll(async () => {
  dir = await createTempDir('wahook-cli-roles-');
  server = await spawnServe({
    cwd: dir.path,
    env: { WAHOOK_PORT: '0', WAHOOK_ROLES: 'worker,delivery', WAHOOK_LOG_LEVEL: 'warn' },
  });
});

afterAll(async () => {
  await server?.kill('SIGTERM');
  await dir?.remove();
});

describe('the local-mode banner of a process without the receiver role', () => {
  it('prints no webhook curl line, and the stats line it prints works as printed', async () => {
    const banner = server.stdout();
    expect(banner).toContain('local mode');
    expect(banner).toContain('no receiver');
    expect(banner).not.toContain('/webhooks/whatsapp');
    // The route the banner leaves out really is absent from this process.
    expect((await httpRequest(`${server.url}/webhooks/whatsapp`)).status).toBe(404);

    const statsLine = banner.split('\n').find((line) => line.includes('/v1/stats'));
    expect(statsLine).toBeDefined();
    const token = (
      JSON.parse(readFileSync(join(dir.path, 'data', 'local-secrets.json'), 'utf8')) as { adminToken: string }
    ).adminToken;
    expect(statsLine).toContain(`Bearer ${token}`);
    expect(statsLine).toContain(`${server.url}/v1/stats`);
    const stats = await httpRequest(`${server.url}/v1/stats`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(stats.status).toBe(200);
  });
});
