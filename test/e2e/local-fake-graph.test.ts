import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, runWahook, spawnServe, TEST_ENV } from '../helpers/server.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';

/**
 * A newcomer's first send with no Meta account: `wahook serve --fake-graph` in local mode, then
 * `wahook send --follow` from the same folder, both real child processes. The statuses the fake
 * posts back travel over real HTTP, signed with the generated app secret, through the receiver,
 * the background worker and the messages API that --follow polls.
 */
let dir: TempDir;
let server: ChildServer;
let port: string;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

beforeAll(async () => {
  dir = await createTempDir('wahook-local-fake-graph-');
  port = String(await freePort());
  server = await spawnServe({ cwd: dir.path, env: { WAHOOK_PORT: port, WAHOOK_LOG_LEVEL: 'warn' } }, [
    '--fake-graph',
  ]);
});

afterAll(async () => {
  await server?.kill('SIGTERM');
  await dir?.remove();
});

describe('local mode with the fake Graph API', () => {
  it('prints the fake and a send command that works as printed', () => {
    expect(server.stdout()).toContain('local mode');
    expect(server.stdout()).toMatch(/Fake Graph API \(no Meta account needed\) on http:\/\/127\.0\.0\.1:\d+/);
    expect(server.stdout()).toMatch(/wahook send --phone-number-id 112233445566778 --to \S+ --text/);
  });

  it('wahook send --follow sees the text message reach delivered', async () => {
    const run = await runWahook(
      [
        'send',
        '--phone-number-id',
        '112233445566778',
        '--to',
        '+4915112345678',
        '--text',
        'Hello from local mode',
        '--follow',
        '--timeout',
        '60s',
      ],
      { cwd: dir.path, env: { WAHOOK_PORT: port }, timeoutMs: 90_000 },
    );
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.stdout).toMatch(/accepted id snd_\w+, wamid wamid\./);
    expect(run.stdout).toMatch(/status {3}\S+ {2}sent/);
    expect(run.stdout).toMatch(/status {3}\S+ {2}(delivered|read)/);
    expect(run.code).toBe(0);
  }, 120_000);
});

describe('the fake Graph API outside local mode', () => {
  it('is refused when the secrets are configured, naming the setting', async () => {
    const other = await createTempDir('wahook-fake-graph-configured-');
    try {
      const run = await runWahook(['serve', '--fake-graph'], {
        cwd: other.path,
        env: { ...TEST_ENV, WAHOOK_PORT: '0' },
        timeoutMs: 30_000,
      });
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(/WAHOOK_FAKE_GRAPH=true is only for local mode/);
    } finally {
      await other.remove();
    }
  });
});
