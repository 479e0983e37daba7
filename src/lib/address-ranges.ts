import { BlockList, isIP } from 'node:net';

/**
 * Which IP addresses are not on the public internet, by kind. Two callers: `doctor` (Meta cannot
 * reach an endpoint there) and delivery (an admin token must not become a probe of the network
 * wahook runs in: loopback services, the LAN, a cloud's metadata endpoint at 169.254.169.254 or
 * fd00:ec2::254).
 *
 * An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is judged as the IPv4 address it carries, so
 * writing a private address in IPv6 spelling changes nothing.
 */
export const ADDRESS_KINDS = [
  'unspecified',
  'loopback',
  'private',
  'link_local',
  'multicast',
  'reserved',
] as const;
export type AddressKind = (typeof ADDRESS_KINDS)[number];

type Family = 'ipv4' | 'ipv6';

const RANGES: readonly [AddressKind, Family, string, number][] = [
  ['unspecified', 'ipv4', '0.0.0.0', 8],
  ['loopback', 'ipv4', '127.0.0.0', 8],
  ['private', 'ipv4', '10.0.0.0', 8],
  ['private', 'ipv4', '172.16.0.0', 12],
  ['private', 'ipv4', '192.168.0.0', 16],
  // Carrier-grade NAT (RFC 6598): not public, and where some clouds put metadata (100.100.100.200).
  ['private', 'ipv4', '100.64.0.0', 10],
  ['link_local', 'ipv4', '169.254.0.0', 16],
  ['reserved', 'ipv4', '192.0.0.0', 24],
  ['reserved', 'ipv4', '198.18.0.0', 15],
  ['multicast', 'ipv4', '224.0.0.0', 4],
  ['reserved', 'ipv4', '240.0.0.0', 4],
  ['unspecified', 'ipv6', '::', 128],
  ['loopback', 'ipv6', '::1', 128],
  // Unique local addresses (RFC 4193), the IPv6 private range; AWS metadata is fd00:ec2::254.
  ['private', 'ipv6', 'fc00::', 7],
  ['link_local', 'ipv6', 'fe80::', 10],
  ['private', 'ipv6', 'fec0::', 10],
  ['multicast', 'ipv6', 'ff00::', 8],
];

const LISTS = new Map<AddressKind, BlockList>(
  ADDRESS_KINDS.map((kind) => {
    const list = new BlockList();
    for (const [rangeKind, family, network, prefix] of RANGES) {
      if (rangeKind === kind) list.addSubnet(network, prefix, family);
    }
    return [kind, list];
  }),
);

/** The kind of a non-public address, or null for a public one (or something that is no address). */
export function nonPublicKind(address: string): AddressKind | null {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 0) return null;
  const mapped = family === 6 ? mappedIpv4(bare) : null;
  const [text, type]: [string, Family] = mapped ? [mapped, 'ipv4'] : [bare, family === 4 ? 'ipv4' : 'ipv6'];
  for (const [kind, list] of LISTS) if (list.check(text, type)) return kind;
  return null;
}

/** `::ffff:10.0.0.1` (in any spelling) as `10.0.0.1`; null for any other IPv6 address. */
function mappedIpv4(address: string): string | null {
  // The URL parser writes IPv6 in its canonical form: ::ffff:10.0.0.1 becomes ::ffff:a00:1.
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const groups = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!groups?.[1] || !groups[2]) return null;
  const high = Number.parseInt(groups[1], 16);
  const low = Number.parseInt(groups[2], 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}
