import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServe, startLocalServe } from '../helpers/local-serve.js';
import { httpRequest } from '../helpers/server.js';

/**
 * A local-mode process without the receiver role has no webhook routes: its banner must not print
 * curl lines for them (they would answer 404), only what the process does serve.
 */
let local: LocalServe;

beforeAll(async () => {
  local = await startLocalServe('wahook-cli-roles-', { env: { WAHOOK_ROLES: 'worker,delivery' } });
});

afterAll(async () => {
  await local?.stop();
});

describe('the local-mode banner of a process without the receiver role', () => {
  it('prints no webhook curl line, and the stats line it prints works as printed', async () => {
    const { server } = local;
    const banner = server.stdout();
    expect(banner).toContain('local mode');
    expect(banner).toContain('no receiver');
    expect(banner).not.toContain('/webhooks/whatsapp');
    // The route the banner leaves out really is absent from this process.
    expect((await httpRequest(`${server.url}/webhooks/whatsapp`)).status).toBe(404);

    const statsLine = banner.split('\n').find((line) => line.includes('/v1/stats'));
    expect(statsLine).toBeDefined();
    const token = local.adminToken();
    expect(statsLine).toContain(`Bearer ${token}`);
    expect(statsLine).toContain(`${server.url}/v1/stats`);
    const stats = await httpRequest(`${server.url}/v1/stats`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(stats.status).toBe(200);
  });
});
