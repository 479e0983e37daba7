import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { WahookError } from '../errors.js';
import type { Config } from './load.js';

/** The three secrets every running server needs, resolved. */
export interface Secrets {
  appSecrets: string[];
  verifyToken: string;
  adminToken: string;
  /** True when any of them was generated here rather than configured. */
  localMode: boolean;
}

const SECRETS_FILE = 'local-secrets.json';

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}

/**
 * Local mode: on a loopback host, missing secrets are generated once and kept in the data folder
 * (mode 0600), so a developer can start with no setup and keep the same tokens across restarts.
 * Anywhere else a missing secret is fatal, because a public endpoint with a generated secret would
 * only ever answer 401 to Meta.
 */
export function resolveSecrets(config: Config): Secrets {
  const missing = [
    config.appSecrets ? null : 'WAHOOK_APP_SECRETS',
    config.verifyToken ? null : 'WAHOOK_VERIFY_TOKEN',
    config.adminToken ? null : 'WAHOOK_ADMIN_TOKEN',
  ].filter((name): name is string => name !== null);
  if (missing.length === 0) {
    return {
      appSecrets: config.appSecrets!,
      verifyToken: config.verifyToken!,
      adminToken: config.adminToken!,
      localMode: false,
    };
  }
  if (!isLoopbackHost(config.host)) {
    throw new WahookError(
      'config_missing_secrets',
      `missing ${missing.join(', ')}: required when listening on ${config.host} (not a loopback address)`,
    );
  }
  const stored = readOrCreateLocalSecrets(config.dataDir);
  return {
    appSecrets: config.appSecrets ?? [stored.appSecret],
    verifyToken: config.verifyToken ?? stored.verifyToken,
    adminToken: config.adminToken ?? stored.adminToken,
    localMode: true,
  };
}

/**
 * Settings whose default follows local mode: a developer's loopback setup delivers to loopback
 * subscribers (WAHOOK_DELIVERY_ALLOW_PRIVATE), a configured server does not unless told to.
 */
export function withLocalModeDefaults(config: Config, secrets: Secrets): Config {
  if (config.deliveryAllowPrivate !== undefined) return config;
  return Object.freeze({ ...config, deliveryAllowPrivate: secrets.localMode });
}

/**
 * WAHOOK_FAKE_GRAPH is for a developer's machine only: on a configured server a fake Graph API
 * would accept every send and reach no one, so it is refused there, and without the receiver role
 * its status webhooks would have nowhere to land.
 */
export function checkFakeGraphAllowed(config: Config, secrets: Secrets): void {
  if (!config.fakeGraph) return;
  if (!secrets.localMode)
    throw new WahookError('config_invalid', 'WAHOOK_FAKE_GRAPH=true is only for local mode', {
      hint: 'Unset WAHOOK_FAKE_GRAPH, or run `wahook fake-graph` beside the server and point WAHOOK_GRAPH_API_URL at it.',
    });
  if (!config.roles.includes('receiver'))
    throw new WahookError(
      'config_invalid',
      'WAHOOK_FAKE_GRAPH=true needs the receiver role in this process',
      {
        hint: 'Set WAHOOK_ROLES=all (the default) for the fake to send its status webhooks here.',
      },
    );
}

/** The config with sends going to the in-process fake Graph API, whatever WAHOOK_GRAPH_* said. */
export function withFakeGraphTarget(config: Config, fake: { url: string; accessToken: string }): Config {
  return Object.freeze({
    ...config,
    graphApiUrl: fake.url,
    graphAccessToken: fake.accessToken,
    graphApiStyle: 'cloud' as const,
  });
}

export interface StoredSecrets {
  appSecret: string;
  verifyToken: string;
  adminToken: string;
}

/** Where local mode keeps its generated secrets. */
export function localSecretsPath(dataDir: string): string {
  return join(dataDir, SECRETS_FILE);
}

/**
 * The secrets local mode generated in this data folder, or undefined when it has none; never
 * creates them (commands other than `serve` only use what a local server already made).
 */
export function readLocalSecrets(dataDir: string): StoredSecrets | undefined {
  const path = localSecretsPath(dataDir);
  if (!existsSync(path)) return undefined;
  const hint = `Delete ${path} to have new local secrets generated, or set the WAHOOK_* secrets.`;
  let parsed: Partial<StoredSecrets>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<StoredSecrets>;
  } catch (err) {
    // A crash while the file was first written leaves it cut short.
    throw new WahookError('config_invalid', `${path} is not JSON: ${(err as Error).message}`, { hint });
  }
  if (parsed?.appSecret && parsed.verifyToken && parsed.adminToken) return parsed as StoredSecrets;
  throw new WahookError('config_invalid', `${path} is incomplete`, { hint });
}

function readOrCreateLocalSecrets(dataDir: string): StoredSecrets {
  const path = localSecretsPath(dataDir);
  const existing = readLocalSecrets(dataDir);
  if (existing) return existing;
  mkdirSync(dataDir, { recursive: true });
  const secrets: StoredSecrets = {
    appSecret: randomBytes(24).toString('hex'),
    verifyToken: randomBytes(12).toString('hex'),
    adminToken: randomBytes(24).toString('hex'),
  };
  writeFileSync(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}
