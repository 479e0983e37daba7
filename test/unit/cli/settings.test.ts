import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCliSettings } from '../../../src/cli/settings.js';
import { isWahookError } from '../../../src/errors.js';
import { createTempDir, type TempDir } from '../../helpers/tmp.js';

/** The one resolver every command reads its settings and secrets through, over real files. */
let dir: TempDir;
let env: Record<string, string>;

const LOCAL = { appSecret: 'local-app', verifyToken: 'local-verify', adminToken: 'local-admin' };

beforeEach(async () => {
  dir = await createTempDir('wahook-cli-settings-');
  env = { WAHOOK_DATA_DIR: join(dir.path, 'data') };
});
afterEach(async () => {
  await dir.remove();
});

function writeLocalSecrets(): void {
  mkdirSync(join(dir.path, 'data'), { recursive: true });
  writeFileSync(join(dir.path, 'data', 'local-secrets.json'), JSON.stringify(LOCAL));
}

describe('readCliSettings', () => {
  it('takes the flag over the environment, the environment over the config file, the file over local mode', () => {
    writeLocalSecrets();
    const file = join(dir.path, 'wahook.json');
    writeFileSync(
      file,
      JSON.stringify({ WAHOOK_ADMIN_TOKEN: 'from-file', WAHOOK_APP_SECRETS: 'file-a,file-b' }),
    );
    const target = 'http://127.0.0.1:8080';
    const settings = readCliSettings({ ...env, WAHOOK_CONFIG_FILE: file, WAHOOK_VERIFY_TOKEN: 'from-env' });
    expect(settings.secret('adminToken', target, 'from-flag')).toBe('from-flag');
    expect(settings.secret('adminToken', target)).toBe('from-file');
    expect(settings.secret('appSecret', target)).toBe('file-a');
    expect(settings.secret('verifyToken', target)).toBe('from-env');
    expect(
      readCliSettings({ ...env, WAHOOK_CONFIG_FILE: file, WAHOOK_ADMIN_TOKEN: 'env' }).secret(
        'adminToken',
        target,
      ),
    ).toBe('env');
  });

  it.each([
    'http://127.0.0.1:8080/webhooks/whatsapp',
    'http://localhost:9000',
    'http://[::1]:8080',
    'http://127.8.9.1',
  ])('uses the local-mode secrets for the loopback target %s', (target) => {
    writeLocalSecrets();
    const settings = readCliSettings(env);
    expect(settings.secret('appSecret', target)).toBe('local-app');
    expect(settings.secret('verifyToken', target)).toBe('local-verify');
    expect(settings.secret('adminToken', target)).toBe('local-admin');
  });

  it.each(['https://wahook.example.com', 'http://10.0.0.5:8080', 'not a url'])(
    'never sends local-mode secrets to %s',
    (target) => {
      writeLocalSecrets();
      const settings = readCliSettings(env);
      expect(settings.secret('adminToken', target)).toBeUndefined();
      expect(settings.secret('appSecret', target)).toBeUndefined();
    },
  );

  it('a missing secret names the variable, the flag and the local-secrets file it looked for', () => {
    const settings = readCliSettings(env);
    let error: unknown;
    try {
      settings.requireSecret('appSecret', 'http://127.0.0.1:8080/webhooks/whatsapp', {
        name: '--app-secret',
      });
    } catch (err) {
      error = err;
    }
    expect(isWahookError(error) && error.exitCode).toBe(2);
    const { message, hint } = error as { message: string; hint: string };
    expect(message).toBe('no app secret for http://127.0.0.1:8080');
    expect(hint).toContain('WAHOOK_APP_SECRETS');
    expect(hint).toContain('--app-secret');
    expect(hint).toContain(join(dir.path, 'data', 'local-secrets.json'));
  });

  it('never creates local secrets', () => {
    const settings = readCliSettings(env);
    expect(settings.secret('adminToken', 'http://127.0.0.1:8080')).toBeUndefined();
    expect(() =>
      readCliSettings(env).requireSecret('adminToken', 'http://127.0.0.1:1', { name: '--token' }),
    ).toThrow(/no admin token/);
  });

  it('points at the server serve would start, a wildcard host on loopback', () => {
    expect(readCliSettings({ ...env, WAHOOK_HOST: '0.0.0.0', WAHOOK_PORT: '9001' }).serverUrl).toBe(
      'http://127.0.0.1:9001',
    );
    expect(readCliSettings({ ...env, WAHOOK_HOST: '::1' }).serverUrl).toBe('http://[::1]:8080');
  });
});
