import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { WahookError } from '../../../src/errors.js';
import { defaultBatchSize } from '../../../src/stages.js';

/** Loads `env` and returns the error it raises; fails the test when it loads. */
function configError(env: Record<string, string>, readFile?: (path: string) => string): WahookError {
  try {
    loadConfig(env, readFile);
  } catch (err) {
    expect(err).toBeInstanceOf(WahookError);
    return err as WahookError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig defaults', () => {
  test('an empty environment gives the documented defaults and no secrets', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      databaseUrl: 'sqlite:./data/wahook.db',
      dataDir: './data',
      roles: ['receiver', 'worker', 'delivery'],
      logLevel: 'info',
      maxBodyBytes: 8 * 1024 * 1024,
      headerAuth: [],
    });
    expect(config.appSecrets).toBeUndefined();
    expect(config.provided.size).toBe(0);
    expect(Object.isFrozen(config)).toBe(true);
  });

  test('parses lists, sizes, roles and header-auth sources', () => {
    const config = loadConfig({
      WAHOOK_APP_SECRETS: 'old, new ,',
      WAHOOK_MAX_BODY_BYTES: '512KiB',
      WAHOOK_ROLES: 'receiver,worker',
      WAHOOK_HEADER_AUTH: 'd360=Authorization:Bearer s3cret; other=X-Key:k:with:colons',
      WAHOOK_DATABASE_URL: 'sqlite:/var/lib/wahook/main.db',
    });
    expect(config.appSecrets).toEqual(['old', 'new']);
    expect(config.maxBodyBytes).toBe(512 * 1024);
    expect(config.roles).toEqual(['receiver', 'worker']);
    expect(config.headerAuth).toEqual([
      { source: 'd360', header: 'authorization', secret: 'Bearer s3cret' },
      { source: 'other', header: 'x-key', secret: 'k:with:colons' },
    ]);
    expect(config.dataDir).toBe('/var/lib/wahook');
    expect([...config.provided].sort()).toEqual([
      'WAHOOK_APP_SECRETS',
      'WAHOOK_DATABASE_URL',
      'WAHOOK_HEADER_AUTH',
      'WAHOOK_MAX_BODY_BYTES',
      'WAHOOK_ROLES',
    ]);
  });

  test('the worker batch size follows the roles unless set, and is bounded', () => {
    expect(loadConfig({}).workerBatchSize).toBeUndefined();
    expect(defaultBatchSize(loadConfig({}).roles)).toBe(200);
    expect(defaultBatchSize(loadConfig({ WAHOOK_ROLES: 'worker' }).roles)).toBe(500);
    expect(loadConfig({ WAHOOK_WORKER_BATCH_SIZE: '1000' }).workerBatchSize).toBe(1000);
    expect(configError({ WAHOOK_WORKER_BATCH_SIZE: '0' }).message).toContain('WAHOOK_WORKER_BATCH_SIZE');
    expect(configError({ WAHOOK_WORKER_BATCH_SIZE: '100000' }).message).toContain('WAHOOK_WORKER_BATCH_SIZE');
  });

  test('an empty value counts as not set', () => {
    expect(loadConfig({ WAHOOK_PORT: '', WAHOOK_VERIFY_TOKEN: '' })).toMatchObject({ port: 8080 });
    expect(loadConfig({ WAHOOK_VERIFY_TOKEN: '' }).verifyToken).toBeUndefined();
  });
});

describe('loadConfig errors name the variable and the fix', () => {
  test.each([
    ['WAHOOK_PORT', 'abc', /WAHOOK_PORT="abc": .*0 to 65535/],
    ['WAHOOK_PORT', '99999', /WAHOOK_PORT="99999": .*0 to 65535/],
    [
      'WAHOOK_ROLES',
      'recv',
      /WAHOOK_ROLES="recv": unknown role "recv": use receiver, worker, delivery or all/,
    ],
    ['WAHOOK_MAX_BODY_BYTES', 'lots', /WAHOOK_MAX_BODY_BYTES="lots": .*write bytes or a number with KiB/],
    ['WAHOOK_LOG_LEVEL', 'verbose', /WAHOOK_LOG_LEVEL="verbose": .*"info"/],
    ['WAHOOK_REQUEST_TIMEOUT', '10 parsecs', /WAHOOK_REQUEST_TIMEOUT=.*unit ms, s, m, h or d/],
    ['WAHOOK_DATABASE_URL', 'mysql://db', /WAHOOK_DATABASE_URL=\(hidden\): must start with sqlite:/],
    ['WAHOOK_REJECTED_LOG_MAX_ROWS', '5', /WAHOOK_REJECTED_LOG_MAX_ROWS="5": .*10/],
  ])('%s=%s', (name, value, message) => {
    const error = configError({ [name]: value });
    expect(error.code).toBe('config_invalid');
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(/Fix the named setting/);
    expect(error.exitCode).toBe(2);
  });

  test('a malformed header-auth entry is explained without showing its secret', () => {
    const error = configError({ WAHOOK_HEADER_AUTH: 'd360 Authorization s3cret' });
    expect(error.message).toMatch(
      /WAHOOK_HEADER_AUTH=\(hidden\): each entry must read source=Header-Name:secret/,
    );
    expect(error.message).not.toContain('s3cret');
  });

  test('every problem is reported at once', () => {
    const error = configError({ WAHOOK_PORT: 'x', WAHOOK_ROLES: 'nope', WAHOOK_LOG_LEVEL: 'loud' });
    expect(error.message).toContain('WAHOOK_PORT');
    expect(error.message).toContain('WAHOOK_ROLES');
    expect(error.message).toContain('WAHOOK_LOG_LEVEL');
  });
});

describe('loadConfig with WAHOOK_CONFIG_FILE', () => {
  const file = (text: string) => () => text;

  test('reads settings from the file and lets the environment win', () => {
    const config = loadConfig(
      { WAHOOK_CONFIG_FILE: '/etc/wahook.json', WAHOOK_PORT: '9000' },
      file('{"WAHOOK_PORT":"7000","WAHOOK_ROLES":["receiver","worker"],"WAHOOK_LOG_LEVEL":"warn"}'),
    );
    expect(config).toMatchObject({ port: 9000, roles: ['receiver', 'worker'], logLevel: 'warn' });
  });

  test('names the file when it cannot be read', () => {
    const error = configError({ WAHOOK_CONFIG_FILE: '/missing.json' }, () => {
      throw new Error('ENOENT: no such file');
    });
    expect(error.message).toMatch(/WAHOOK_CONFIG_FILE=\/missing.json cannot be read: ENOENT/);
  });

  test('names the file when it is not JSON, or not one object', () => {
    expect(configError({ WAHOOK_CONFIG_FILE: '/c.json' }, file('port: 1')).message).toMatch(
      /WAHOOK_CONFIG_FILE=\/c.json is not JSON/,
    );
    expect(configError({ WAHOOK_CONFIG_FILE: '/c.json' }, file('[1]')).message).toMatch(
      /must hold one JSON object whose keys are variable names/,
    );
  });

  test('names an unknown key and points at the list of variables', () => {
    const error = configError({ WAHOOK_CONFIG_FILE: '/c.json' }, file('{"WAHOOK_PROT":"1"}'));
    expect(error.message).toMatch(/unknown key WAHOOK_PROT/);
    expect(error.hint).toMatch(/docs\/configuration.md/);
  });
});
