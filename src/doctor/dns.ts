import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { nonPublicKind } from '../lib/address-ranges.js';
import { type DoctorSettings, hostOf } from './options.js';
import { withTimeout } from './timeout.js';
import { type CheckMeta, type CheckResult, fail, pass, warn } from './types.js';

export const DNS_CHECK: CheckMeta = { id: 'dns', title: 'DNS resolves the host' };

export interface DnsOutcome {
  readonly check: CheckResult;
  /** Empty when the lookup failed. */
  readonly addresses: readonly LookupAddress[];
}

export async function checkDns(settings: DoctorSettings): Promise<DnsOutcome> {
  const host = hostOf(settings.url);
  const family = isIP(host);
  if (family !== 0) {
    return judgeAddresses(host, [{ address: host, family }], 'is an IP address (no lookup needed)');
  }
  try {
    const addresses = await withTimeout(lookup(host, { all: true }), settings.stepTimeoutMs, 'DNS lookup');
    if (addresses.length === 0) throw Object.assign(new Error('no addresses'), { code: 'ENODATA' });
    return judgeAddresses(host, addresses, `resolves to ${addresses.map((a) => a.address).join(', ')}`);
  } catch (error) {
    return {
      addresses: [],
      check: fail(
        DNS_CHECK,
        `${host} does not resolve (${describeError(error)})`,
        `Create an A or AAAA record for ${host} pointing at the server, or fix the host name in the URL.`,
      ),
    };
  }
}

function judgeAddresses(host: string, addresses: readonly LookupAddress[], detail: string): DnsOutcome {
  // Meta sends from the public internet; an endpoint that resolves only elsewhere is unreachable.
  const isPublic = (a: LookupAddress) => nonPublicKind(a.address) === null;
  if (addresses.some(isPublic)) return { addresses, check: pass(DNS_CHECK, `${host} ${detail}`) };
  return {
    addresses,
    check: warn(
      DNS_CHECK,
      `${host} ${detail}; ${addresses.length === 1 ? 'that address is' : 'all of them are'} private or loopback, so Meta cannot reach it from the internet`,
      'Fine for a local test; for real deliveries publish the endpoint on a public address ' +
        '(or expose it through a tunnel or reverse proxy with a public name).',
    ),
  };
}

/** One readable line: the error code plus OpenSSL's reason instead of its multi-line dump. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  const opensslReason = /SSL routines:[^:]*:([^:]+):/.exec(error.message)?.[1];
  const message = opensslReason ?? error.message.trim();
  return code !== undefined && !message.includes(code) ? `${code}: ${message}` : message;
}
