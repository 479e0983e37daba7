import { WahookError } from '../errors.js';
import { parseDuration } from '../lib/duration.js';
import { MAX_BATCH_SIZE } from './delivery-plan.js';
import { FIXTURE_NAMES, isFixtureName } from './fixtures.js';
import type { SimulationOptions, SimulationSource } from './simulation.js';

/**
 * Command-line flags of `wahook simulate` turned into SimulationOptions. Every wrong value is a
 * usage error (exit 2) that names the flag and what it accepts.
 */
export interface SimulateFlags {
  readonly messages?: string;
  readonly inbound?: string;
  readonly batchSize: string;
  readonly duplicates: string;
  readonly reorder: string;
  readonly reorderWindow: string;
  readonly delay: string;
  readonly concurrency: string;
  readonly timeout: string;
  readonly maxRetries: string;
  readonly timeScale: string;
  readonly maxDuration: string;
  readonly seed?: string;
  readonly header: string[];
  readonly fixture?: string;
  readonly appSecret?: string;
  readonly verifyUrl?: string;
  readonly adminToken?: string;
  readonly verifyTimeout: string;
}

export const SIMULATE_DEFAULTS = {
  messages: 20,
  inbound: 10,
  batchSize: '1',
  duplicates: '0',
  reorder: '0',
  reorderWindow: '8',
  delay: '0',
  concurrency: '4',
  timeout: '10s',
  maxRetries: '5',
  timeScale: '1',
  maxDuration: '10m',
  verifyTimeout: '30s',
} as const;

const MAX_MESSAGES = 100_000;
const MAX_DURATION_MS = 7 * 86_400_000;

function usage(message: string, hint?: string): WahookError {
  return new WahookError('usage', message, hint === undefined ? undefined : { hint });
}

function integer(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw usage(`${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

function rate(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw usage(`${flag} must be a fraction from 0 to 1 (e.g. 0.1 for 10 %), got "${text}"`);
  }
  return value;
}

function duration(flag: string, text: string, max = MAX_DURATION_MS): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    throw usage(`${flag}: ${(err as Error).message}`);
  }
  if (ms > max) throw usage(`${flag} can be at most 7d, got "${text}"`);
  return ms;
}

function timeScale(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > 1) {
    throw usage(`--time-scale must be a number above 0 and at most 1 (e.g. 0.001), got "${text}"`);
  }
  return value;
}

export function parseHttpUrl(flag: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usage(
      `${flag} "${text}" is not a URL`,
      'Give a full URL such as http://127.0.0.1:8080/webhooks/whatsapp.',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usage(`${flag} "${text}" must start with http:// or https://`);
  }
  return url.toString();
}

export function parseHeader(line: string): [string, string] {
  const colon = line.indexOf(':');
  const name = colon > 0 ? line.slice(0, colon).trim() : '';
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw usage(`--header "${line}" is not "Name: value"`, "Write it like --header 'D360-API-KEY: secret'.");
  }
  return [name, line.slice(colon + 1).trim()];
}

function sourceOf(flags: SimulateFlags): SimulationSource {
  const plan = {
    batchSize: integer('--batch-size', flags.batchSize, 1, MAX_BATCH_SIZE),
    duplicates: rate('--duplicates', flags.duplicates),
    reorder: rate('--reorder', flags.reorder),
    reorderWindow: integer('--reorder-window', flags.reorderWindow, 1, 1000),
  };
  if (flags.fixture !== undefined) {
    if (!isFixtureName(flags.fixture)) {
      throw usage(
        `unknown fixture "${flags.fixture}"`,
        `Run with --list-fixtures; known: ${FIXTURE_NAMES.join(', ')}.`,
      );
    }
    if (flags.messages !== undefined || flags.inbound !== undefined) {
      throw usage('--fixture sends one named payload; leave out --messages and --inbound');
    }
    return { kind: 'fixture', name: flags.fixture };
  }
  const messages = integer(
    '--messages',
    flags.messages ?? String(SIMULATE_DEFAULTS.messages),
    0,
    MAX_MESSAGES,
  );
  const inbound = integer('--inbound', flags.inbound ?? String(SIMULATE_DEFAULTS.inbound), 0, MAX_MESSAGES);
  if (messages + inbound === 0) throw usage('--messages and --inbound are both 0: there is nothing to send');
  return { kind: 'scenario', messages, inbound, ...plan };
}

/**
 * The secrets come from the caller, resolved from the flags and the settings the way every command
 * resolves them (src/cli/settings.ts): the app secret for `url`, the admin token for the verify URL.
 */
export interface SimulateSecrets {
  appSecret(target: string): string;
  adminToken(target: string): string | undefined;
}

export function parseSimulateFlags(
  url: string,
  flags: SimulateFlags,
  secrets: SimulateSecrets,
  defaults: { seed: string; startTime: number },
): SimulationOptions {
  const target = parseHttpUrl('<url>', url);
  const source = sourceOf(flags);
  const secret = secrets.appSecret(target);
  const verifyUrl = flags.verifyUrl === undefined ? undefined : parseHttpUrl('--verify-url', flags.verifyUrl);
  return {
    url: target,
    secret,
    headers: Object.fromEntries(flags.header.map(parseHeader)),
    seed: flags.seed ?? defaults.seed,
    startTime: defaults.startTime,
    source,
    concurrency: integer('--concurrency', flags.concurrency, 1, 256),
    timeoutMs: Math.max(1, duration('--timeout', flags.timeout)),
    maxRetries: integer('--max-retries', flags.maxRetries, 0, 1000),
    timeScale: timeScale(flags.timeScale),
    jitterMs: duration('--delay', flags.delay),
    maxDurationMs: Math.max(1, duration('--max-duration', flags.maxDuration)),
    ...(verifyUrl === undefined
      ? {}
      : {
          verify: {
            baseUrl: verifyUrl,
            adminToken: secrets.adminToken(verifyUrl),
            timeoutMs: duration('--verify-timeout', flags.verifyTimeout),
          },
        }),
  };
}
