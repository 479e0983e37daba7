import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import {
  checkFakeGraphAllowed,
  isLoopbackHost,
  resolveSecrets,
  withFakeGraphTarget,
} from '../../../src/config/local-mode.js';
import { summarizeConfig } from '../../../src/config/summary.js';
import { WahookError } from '../../../src/errors.js';
import { createTempDir, type TempDir } from '../../helpers/tmp.js';

let dir: TempDir;
beforeEach(async () => {
  dir = await createTempDir();
});
afterEach(async () => {
  await dir.remove();
});

const configIn = (path: string, env: Record<string, string> = {}) =>
  loadConfig({ WAHOOK_DATABASE_URL: `sqlite:${join(path, 'wahook.db')}`, ...env });

function thrown(work: () => unknown): WahookError {
  try {
    work();
  } catch (err) {
    expect(err).toBeInstanceOf(WahookError);
    return err as WahookError;
  }
  throw new Error('expected an error');
}

describe('isLoopbackHost', () => {
  test.each(['127.0.0.1', '127.8.9.10', 'localhost', '::1', '[::1]'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });
  test.each(['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com', '128.0.0.1'])('%s is not', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('resolveSecrets', () => {
  test('uses the configured secrets and is not local mode', () => {
    const secrets = resolveSecrets(
      configIn(dir.path, { WAHOOK_APP_SECRETS: 'a,b', WAHOOK_VERIFY_TOKEN: 'v', WAHOOK_ADMIN_TOKEN: 't' }),
    );
    expect(secrets).toEqual({ appSecrets: ['a', 'b'], verifyToken: 'v', adminToken: 't', localMode: false });
  });

  test('on loopback, generates missing secrets once into the data folder, readable by the owner only', () => {
    const first = resolveSecrets(configIn(dir.path));
    expect(first.localMode).toBe(true);
    expect(first.appSecrets[0]).toMatch(/^[0-9a-f]{48}$/);
    const file = join(dir.path, 'local-secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      appSecret: first.appSecrets[0],
      verifyToken: first.verifyToken,
      adminToken: first.adminToken,
    });
  });

  test('a restart on the same data folder reuses the generated secrets', () => {
    const first = resolveSecrets(configIn(dir.path));
    const second = resolveSecrets(configIn(dir.path));
    expect(second).toEqual(first);
  });

  test('a configured secret wins over the generated one; the others stay generated', () => {
    const generated = resolveSecrets(configIn(dir.path));
    const mixed = resolveSecrets(configIn(dir.path, { WAHOOK_APP_SECRETS: 'mine' }));
    expect(mixed).toEqual({ ...generated, appSecrets: ['mine'] });
  });

  test('off loopback, missing secrets are fatal and each missing variable is named', () => {
    const error = thrown(() =>
      resolveSecrets(configIn(dir.path, { WAHOOK_HOST: '0.0.0.0', WAHOOK_VERIFY_TOKEN: 'v' })),
    );
    expect(error.code).toBe('config_missing_secrets');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(
      /missing WAHOOK_APP_SECRETS, WAHOOK_ADMIN_TOKEN: required when listening on 0.0.0.0/,
    );
    expect(error.hint).toMatch(/loopback/);
  });

  test('an incomplete secrets file is named with the fix', () => {
    writeFileSync(join(dir.path, 'local-secrets.json'), '{"appSecret":"a"}');
    const error = thrown(() => resolveSecrets(configIn(dir.path)));
    expect(error.message).toContain('local-secrets.json');
    expect(error.hint).toMatch(/Delete .*local-secrets.json/);
  });

  test('a secrets file that is not JSON (cut short by a crash) is named with the fix', () => {
    writeFileSync(join(dir.path, 'local-secrets.json'), '{"appSecret":"a", "verifyTo');
    const error = thrown(() => resolveSecrets(configIn(dir.path)));
    expect(error.code).toBe('config_invalid');
    expect(error.message).toContain('local-secrets.json');
    expect(error.hint).toMatch(/Delete .*local-secrets.json/);
  });
});

describe('WAHOOK_FAKE_GRAPH', () => {
  const configured = { WAHOOK_APP_SECRETS: 'a', WAHOOK_VERIFY_TOKEN: 'v', WAHOOK_ADMIN_TOKEN: 't' };

  test('is off unless asked for, in local mode as well', () => {
    expect(configIn(dir.path).fakeGraph).toBe(false);
    expect(configIn(dir.path, { WAHOOK_FAKE_GRAPH: 'true' }).fakeGraph).toBe(true);
  });

  test('is refused on a configured server, and without the receiver role', () => {
    const server = configIn(dir.path, { ...configured, WAHOOK_FAKE_GRAPH: 'true' });
    expect(thrown(() => checkFakeGraphAllowed(server, resolveSecrets(server))).message).toMatch(
      /only for local mode/,
    );
    const worker = configIn(dir.path, { WAHOOK_FAKE_GRAPH: 'true', WAHOOK_ROLES: 'worker' });
    expect(thrown(() => checkFakeGraphAllowed(worker, resolveSecrets(worker))).message).toMatch(
      /needs the receiver role/,
    );
    const local = configIn(dir.path, { WAHOOK_FAKE_GRAPH: 'true' });
    expect(() => checkFakeGraphAllowed(local, resolveSecrets(local))).not.toThrow();
  });

  test('points the sender at the fake whatever WAHOOK_GRAPH_* said', () => {
    const config = configIn(dir.path, {
      WAHOOK_GRAPH_API_URL: 'https://waba-v2.360dialog.io',
      WAHOOK_GRAPH_API_STYLE: '360dialog',
      WAHOOK_GRAPH_ACCESS_TOKEN: 'real',
    });
    const pointed = withFakeGraphTarget(config, { url: 'http://127.0.0.1:4000', accessToken: 'fake-1' });
    expect(pointed).toMatchObject({
      graphApiUrl: 'http://127.0.0.1:4000',
      graphAccessToken: 'fake-1',
      graphApiStyle: 'cloud',
    });
    expect(Object.isFrozen(pointed)).toBe(true);
  });
});

describe('summarizeConfig', () => {
  test('shows every setting, and secrets only as configured or generated', () => {
    const config = configIn(dir.path, { WAHOOK_APP_SECRETS: 'top-secret-1', WAHOOK_PORT: '9001' });
    const secrets = resolveSecrets(config);
    const summary = summarizeConfig(config, secrets);
    expect(summary).toMatchObject({
      WAHOOK_APP_SECRETS: 'configured',
      WAHOOK_VERIFY_TOKEN: 'generated (local mode)',
      WAHOOK_ADMIN_TOKEN: 'generated (local mode)',
      WAHOOK_PORT: '9001',
      WAHOOK_DATA_DIR: dir.path,
    });
    const text = JSON.stringify(summary);
    for (const secret of ['top-secret-1', secrets.verifyToken, secrets.adminToken]) {
      expect(text).not.toContain(secret);
    }
  });
});
