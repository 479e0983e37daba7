import { type Config, loadConfig } from '../config/load.js';
import {
  isLoopbackHost,
  localSecretsPath,
  readLocalSecrets,
  type StoredSecrets,
} from '../config/local-mode.js';
import { WahookError } from '../errors.js';

/**
 * What every command reads, read the way `serve` reads it: the WAHOOK_* environment, the config
 * file WAHOOK_CONFIG_FILE names (the environment wins), and, for a target on this machine, the
 * secrets local mode generated in the data folder. Commands get their settings only through
 * `readCliSettings`, so none can read less than another.
 *
 * Local-mode secrets are only ever used against a loopback target: they belong to a server on this
 * machine and must not be sent anywhere else. They are read, never created (only `serve` creates
 * them), and only when a command asks for a secret that is not configured.
 */
export type SecretName = 'appSecret' | 'verifyToken' | 'adminToken';

export interface CliSettings {
  readonly config: Config;
  /** Where `serve` with these settings listens; a wildcard listen address is reached on loopback. */
  readonly serverUrl: string;
  /**
   * The secret to use against `target`: `flag` when given, else the setting (the first of
   * WAHOOK_APP_SECRETS), else local mode's for a loopback target; undefined when there is none.
   */
  secret(name: SecretName, target: string | URL, flag?: string): string | undefined;
  /** As `secret`, but a missing one is a WahookError (exit 2) whose hint names every way to give it. */
  requireSecret(name: SecretName, target: string | URL, flag: { name: string; value?: string }): string;
}

const VARIABLE: Record<SecretName, string> = {
  appSecret: 'WAHOOK_APP_SECRETS',
  verifyToken: 'WAHOOK_VERIFY_TOKEN',
  adminToken: 'WAHOOK_ADMIN_TOKEN',
};

const LABEL: Record<SecretName, string> = {
  appSecret: 'app secret',
  verifyToken: 'verify token',
  adminToken: 'admin token',
};

const LOCAL_KEY: Record<SecretName, keyof StoredSecrets> = {
  appSecret: 'appSecret',
  verifyToken: 'verifyToken',
  adminToken: 'adminToken',
};

export function readCliSettings(env: Readonly<Record<string, string | undefined>>): CliSettings {
  const config = loadConfig(env);
  let local: StoredSecrets | undefined | null = null;
  const localSecrets = () => {
    if (local === null) local = readLocalSecrets(config.dataDir);
    return local;
  };
  const configured = (name: SecretName): string | undefined =>
    name === 'appSecret' ? config.appSecrets?.[0] : (config[name] ?? undefined);
  const secret = (name: SecretName, target: string | URL, flag?: string) => {
    if (flag !== undefined && flag !== '') return flag;
    return configured(name) ?? (isLoopbackTarget(target) ? localSecrets()?.[LOCAL_KEY[name]] : undefined);
  };
  return {
    config,
    serverUrl: serverUrlOf(config),
    secret,
    requireSecret(name, target, flag) {
      const found = secret(name, target, flag.value);
      if (found !== undefined) return found;
      throw new WahookError('config_missing_secrets', `no ${LABEL[name]} for ${targetText(target)}`, {
        hint: missingHint(name, flag.name, target, config.dataDir),
      });
    },
  };
}

/** True when the URL's host is this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopbackTarget(target: string | URL): boolean {
  try {
    return isLoopbackHost(new URL(target).hostname);
  } catch {
    return false;
  }
}

function missingHint(name: SecretName, flagName: string, target: string | URL, dataDir: string): string {
  const ways = `Set ${VARIABLE[name]} (environment or WAHOOK_CONFIG_FILE) or pass ${flagName}`;
  if (!isLoopbackTarget(target))
    return `${ways}. Local-mode secrets are only used for a server on this machine.`;
  return (
    `${ways}; for a local-mode server, run the command in the folder where \`wahook serve\` runs ` +
    `(with the same WAHOOK_DATABASE_URL or WAHOOK_DATA_DIR): ${localSecretsPath(dataDir)} does not exist.`
  );
}

function targetText(target: string | URL): string {
  try {
    return new URL(target).origin;
  } catch {
    return String(target);
  }
}

function serverUrlOf(config: Config): string {
  const wildcard = ['0.0.0.0', '::', '[::]'].includes(config.host);
  const host = wildcard ? '127.0.0.1' : config.host;
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${shown}:${config.port}`;
}
