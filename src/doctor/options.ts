import { isIP } from 'node:net';
import { WahookError } from '../errors.js';

export interface DoctorTimeouts {
  /** Bound on every network step: DNS lookup, TCP connect, TLS handshake, each HTTP request. */
  readonly stepMs?: number;
  /** A signed POST must be answered 200 within this (360dialog's hard limit is 5 s). */
  readonly ackMs?: number;
  /** Median answer time Meta asks for. */
  readonly latencyBudgetMs?: number;
}

export interface DoctorOptions {
  readonly url: string;
  /** The verify token configured in the Meta App Dashboard; without it the handshake check is skipped. */
  readonly verifyToken?: string;
  /** The Meta app secret used to sign test POSTs; without it the signed checks are skipped. */
  readonly appSecret?: string;
  readonly timeouts?: DoctorTimeouts;
  /** Extra trusted CA certificates (PEM), added to the public roots: private CAs and tests. */
  readonly ca?: string | Buffer;
  /** How many signed POSTs the latency check times. */
  readonly latencySamples?: number;
  /** Size of the batched payload the body-limit check sends. */
  readonly largeBodyBytes?: number;
  /** Clock for certificate expiry, in epoch milliseconds. */
  readonly now?: () => number;
}

/** Every option with its default applied; what the checks read. */
export interface DoctorSettings {
  readonly url: URL;
  readonly verifyToken: string | undefined;
  readonly appSecret: string | undefined;
  readonly stepTimeoutMs: number;
  readonly ackBudgetMs: number;
  readonly latencyBudgetMs: number;
  readonly latencySamples: number;
  readonly largeBodyBytes: number;
  readonly ca: string | Buffer | undefined;
  readonly now: () => number;
}

export const DOCTOR_DEFAULTS = {
  stepTimeoutMs: 10_000,
  ackBudgetMs: 5_000,
  latencyBudgetMs: 250,
  latencySamples: 5,
  // Meta batches up to 3 MB; 3 MiB covers both readings of "MB".
  largeBodyBytes: 3 * 1024 * 1024,
  expiryWarningDays: 30,
} as const;

/**
 * Accepts http and https URLs (a plain-http URL is a failed check, not bad usage, so the user
 * sees everything else that is wrong with it too); anything else is bad usage that says why.
 */
export function parseDoctorUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WahookError('usage', `"${text}" is not a URL`, {
      hint: 'Give the full webhook URL, e.g. https://hooks.example.com/webhooks/whatsapp',
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new WahookError('usage', `"${text}" uses ${url.protocol} but webhooks are delivered over HTTPS`, {
      hint: 'Give an https:// URL, the one entered as Callback URL in the Meta App Dashboard.',
    });
  }
  if (url.username !== '' || url.password !== '') {
    throw new WahookError('usage', `"${url.host}" carries a user name or password in the URL`, {
      hint: 'Meta cannot send credentials in the Callback URL; remove them.',
    });
  }
  return url;
}

export function resolveDoctorSettings(options: DoctorOptions): DoctorSettings {
  const timeouts = options.timeouts ?? {};
  return {
    url: parseDoctorUrl(options.url),
    verifyToken: nonEmpty(options.verifyToken),
    appSecret: nonEmpty(options.appSecret),
    stepTimeoutMs: positive(timeouts.stepMs, DOCTOR_DEFAULTS.stepTimeoutMs),
    ackBudgetMs: positive(timeouts.ackMs, DOCTOR_DEFAULTS.ackBudgetMs),
    latencyBudgetMs: positive(timeouts.latencyBudgetMs, DOCTOR_DEFAULTS.latencyBudgetMs),
    latencySamples: Math.floor(positive(options.latencySamples, DOCTOR_DEFAULTS.latencySamples)),
    largeBodyBytes: positive(options.largeBodyBytes, DOCTOR_DEFAULTS.largeBodyBytes),
    ca: options.ca,
    now: options.now ?? Date.now,
  };
}

/** The host without IPv6 brackets, as DNS, TCP and TLS want it. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

export function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

export function isBareIp(url: URL): boolean {
  return isIP(hostOf(url)) !== 0;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
