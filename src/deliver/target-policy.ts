import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { type AddressKind, nonPublicKind } from '../lib/address-ranges.js';

/**
 * Where deliveries may go. Unless the operator allows it (WAHOOK_DELIVERY_ALLOW_PRIVATE=true, set
 * by local mode), a subscription must not reach loopback, private, link-local, multicast or
 * unspecified addresses, nor a cloud's metadata service: otherwise whoever holds the admin token
 * could point a subscription at the network wahook runs in and read the answers back from the
 * attempt log.
 *
 * Two checks, one rule. When a subscription is written, a URL whose host is such an address
 * literally, or a well-known local or metadata name, is refused with a message that says so. When
 * a delivery connects, the host's resolved addresses are filtered by the same rule inside the
 * socket's own lookup: the address checked is the address connected to, so a name that resolves
 * to a public address when the subscription is written and to 127.0.0.1 later (DNS rebinding)
 * still cannot get through.
 */
export const ALLOW_PRIVATE_SETTING = 'WAHOOK_DELIVERY_ALLOW_PRIVATE';

const LOCAL_NAMES = new Set([
  'localhost',
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
]);

const KIND_WORDS: Record<AddressKind, string> = {
  unspecified: 'an unspecified',
  loopback: 'a loopback',
  private: 'a private',
  link_local: 'a link-local (cloud metadata)',
  multicast: 'a multicast',
  reserved: 'a reserved',
};

/** Why a subscription URL is refused before any lookup, or null when it may be written. */
export function targetProblem(url: string): string | null {
  const host = new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  if (isIP(bare) !== 0) {
    const kind = nonPublicKind(bare);
    return kind ? refusal(`${bare} is ${KIND_WORDS[kind]} address`) : null;
  }
  if (LOCAL_NAMES.has(bare) || bare.endsWith('.localhost')) {
    return refusal(`${bare} names this machine or a cloud metadata service`);
  }
  return null;
}

/**
 * The check every writer of a subscription URL runs (the API, the dashboard, the subscriptions
 * file) and the delivery loop repeats before it connects: why the URL is refused under the
 * operator's setting, or null when it may be used.
 */
export function refusedTarget(url: string, options: { allowPrivate: boolean }): string | null {
  return options.allowPrivate ? null : targetProblem(url);
}

function refusal(what: string): string {
  return `${what}; wahook delivers only to public addresses unless ${ALLOW_PRIVATE_SETTING}=true`;
}

/** How a host name is resolved; the default is the system resolver (dns.lookup, as net uses). */
export type Resolve = (
  hostname: string,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemResolve: Resolve = (hostname, callback) =>
  dnsLookup(hostname, { all: true } satisfies LookupAllOptions, callback);

export const TARGET_REFUSED = 'WAHOOK_TARGET_REFUSED';

/**
 * A `lookup` for net.connect / tls.connect that drops non-public addresses (all of them allowed
 * when `allowPrivate`). When none is left the connection fails with code WAHOOK_TARGET_REFUSED
 * and a message that names the kind of address, never the address itself.
 */
export function guardedLookup(allowPrivate: boolean, resolve: Resolve = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (err, found) => {
      if (err) {
        callback(err, '', 0);
        return;
      }
      const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
      const usable = found.filter(
        (entry) =>
          (wanted === 0 || entry.family === wanted) &&
          (allowPrivate || nonPublicKind(entry.address) === null),
      );
      const first = usable[0];
      if (!first) {
        const kinds = [...new Set(found.map((entry) => nonPublicKind(entry.address)).filter(Boolean))];
        const refused: NodeJS.ErrnoException = new Error(
          kinds.length > 0
            ? refusal(
                `${hostname} resolves only to ${kinds.map((kind) => KIND_WORDS[kind!]).join(' or ')} address`,
              )
            : `${hostname} has no address of the family asked for`,
        );
        refused.code = kinds.length > 0 ? TARGET_REFUSED : 'ENOTFOUND';
        callback(refused, '', 0);
        return;
      }
      // net asks for every address when it races IPv4 and IPv6 (autoSelectFamily), else for one.
      if ((options as { all?: boolean }).all) {
        (callback as unknown as (err: null, addresses: LookupAddress[]) => void)(null, usable);
      } else callback(null, first.address, first.family);
    });
  };
}
