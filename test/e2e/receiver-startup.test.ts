import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runWahook } from '../helpers/server.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';

/** `wahook serve` refuses to start on a bad or unsafe configuration, and says what to fix. */
let dir: TempDir;

beforeEach(async () => {
  dir = await createTempDir('wahook-startup-');
});
afterEach(async () => {
  await dir.remove();
});

describe('wahook serve startup errors', () => {
  test('on a non-loopback host without secrets it exits 2 naming every missing variable', async () => {
    const result = await runWahook(['serve'], {
      cwd: dir.path,
      env: { WAHOOK_HOST: '0.0.0.0', WAHOOK_PORT: '0', WAHOOK_VERIFY_TOKEN: 'set' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: missing WAHOOK_APP_SECRETS, WAHOOK_ADMIN_TOKEN: .*0\.0\.0\.0/m);
    expect(result.stderr).toMatch(/^fix: .*loopback host for local mode/m);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir.path, 'data', 'local-secrets.json'))).toBe(false);
  });

  test('an invalid setting exits 2 naming the variable and the fix, before anything listens', async () => {
    const result = await runWahook(['serve'], {
      cwd: dir.path,
      env: { WAHOOK_PORT: 'eighty', WAHOOK_ROLES: 'reciever' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('WAHOOK_PORT="eighty": must be a whole number from 0 to 65535');
    expect(result.stderr).toContain('WAHOOK_ROLES="reciever": unknown role');
    expect(result.stderr).toMatch(/^fix: Fix the named setting/m);
    expect(result.stdout).not.toContain('listening');
  });

  test('a port already in use exits 2 naming the port and WAHOOK_PORT', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const result = await runWahook(['serve'], {
        cwd: dir.path,
        env: {
          WAHOOK_PORT: String(port),
          WAHOOK_APP_SECRETS: 'a',
          WAHOOK_VERIFY_TOKEN: 'v',
          WAHOOK_ADMIN_TOKEN: 't',
        },
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(result.stderr).toMatch(/^fix: .*WAHOOK_PORT/m);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});
