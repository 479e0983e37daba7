import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { WahookError } from '../errors.js';
import { SETTINGS, type SettingKey } from './settings.js';

type Parsed<K extends SettingKey> = z.output<(typeof SETTINGS)[K]['schema']>;

export type Config = Readonly<{ [K in SettingKey]: Parsed<K> }> & {
  readonly dataDir: string;
  /** Which env names were given (from env or file), for the startup summary. */
  readonly provided: ReadonlySet<string>;
};

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads every setting from the environment (and the optional WAHOOK_CONFIG_FILE), validates it, and
 * returns a frozen Config. All problems are reported at once, each naming its variable.
 */
export function loadConfig(env: Env, readFile: (path: string) => string = readUtf8): Config {
  const merged = { ...readConfigFile(env.WAHOOK_CONFIG_FILE, readFile), ...definedOnly(env) };
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  const provided = new Set<string>();
  for (const [key, spec] of Object.entries(SETTINGS)) {
    const raw = merged[spec.env];
    const given = raw !== undefined && raw !== '';
    if (given) provided.add(spec.env);
    const result = spec.schema.safeParse(given ? raw : undefined);
    if (result.success) {
      values[key] = result.data;
    } else {
      const shown = spec.secret ? '(hidden)' : JSON.stringify(raw);
      const why = result.error.issues.map((issue) => issue.message).join('; ');
      problems.push(`${spec.env}=${shown}: ${why}`);
    }
  }
  if (problems.length > 0) {
    throw new WahookError('config_invalid', `invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const databaseUrl = values.databaseUrl as string;
  const dataDir =
    (values.dataDir as string | undefined) ??
    (databaseUrl.startsWith('sqlite:') ? dirname(sqlitePath(databaseUrl)) : './data');
  return Object.freeze({ ...values, dataDir, provided }) as unknown as Config;
}

export function sqlitePath(databaseUrl: string): string {
  return databaseUrl.replace(/^sqlite:(\/\/)?/, '');
}

function readConfigFile(path: string | undefined, readFile: (path: string) => string): Env {
  if (!path) return {};
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    throw new WahookError(
      'config_invalid',
      `WAHOOK_CONFIG_FILE=${path} cannot be read: ${(err as Error).message}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new WahookError(
      'config_invalid',
      `WAHOOK_CONFIG_FILE=${path} is not JSON: ${(err as Error).message}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new WahookError(
      'config_invalid',
      `WAHOOK_CONFIG_FILE=${path} must hold one JSON object whose keys are variable names, e.g. {"WAHOOK_PORT": "8080"}`,
    );
  }
  const known = new Set(Object.values(SETTINGS).map((spec) => spec.env));
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!known.has(key)) {
      throw new WahookError('config_invalid', `WAHOOK_CONFIG_FILE=${path}: unknown key ${key}`, {
        hint: `Use the variable names listed in docs/configuration.md.`,
      });
    }
    out[key] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return out;
}

function definedOnly(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

function readUtf8(path: string): string {
  return readFileSync(path, 'utf8');
}
