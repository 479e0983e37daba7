import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServe, startLocalServe } from '../helpers/local-serve.js';
import { runWahook, TEST_ENV } from '../helpers/server.js';
import { createTempDir } from '../helpers/tmp.js';

/**
 * A newcomer's first send with no Meta account: `wahook serve --fake-graph` in local mode, then
 * `wahook send --follow` from the same folder, both real child processes. The statuses the fake
 * posts back travel over real HTTP, signed with the generated app secret, through the receiver,
 * the background worker and the messages API that --follow polls.
 */
let local: LocalServe;

beforeAll(async () => {
  local = await startLocalServe('wahook-local-fake-graph-', { serveArgs: ['--fake-graph'] });
});

afterAll(async () => {
  await local?.stop();
});

describe('local mode with the fake Graph API', () => {
  it('prints the fake and a send command that works as printed', () => {
    expect(local.server.stdout()).toContain('local mode');
    expect(local.server.stdout()).toMatch(
      /Fake Graph API \(no Meta account needed\) on http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(local.server.stdout()).toMatch(/wahook send --phone-number-id 112233445566778 --to \S+ --text/);
  });

  it('wahook send --follow sees the text message reach delivered', async () => {
    const run = await local.wahook(
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
      { timeoutMs: 90_000 },
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
