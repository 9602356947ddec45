import ipaddr from 'ipaddr.js';

/** CIDRs an operator allows despite the rules below (WEBHOOK_ALLOWED_CIDRS), parsed once at boot. */
export type AllowList = readonly (readonly [ipaddr.IPv4 | ipaddr.IPv6, number])[];

export function parseAllowList(cidrs: readonly string[]): AllowList {
  return cidrs.map((cidr) => {
    const [address, bits] = ipaddr.parseCIDR(cidr);
    return [normalize(address), address.kind() === 'ipv6' && normalize(address).kind() === 'ipv4' ? bits - 96 : bits] as const;
  });
}

export function isValidCidr(cidr: string): boolean {
  try {
    ipaddr.parseCIDR(cidr);
    return true;
  } catch {
    return false;
  }
}

/** IPv4-mapped IPv6 (`::ffff:127.0.0.1`) is the IPv4 address it maps: one rule for both spellings. */
function normalize(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() ? (address as ipaddr.IPv6).toIPv4Address() : address;
}

function inNetwork(address: ipaddr.IPv4 | ipaddr.IPv6, network: ipaddr.IPv4 | ipaddr.IPv6, bits: number): boolean {
  if (address.kind() === 'ipv4' && network.kind() === 'ipv4') return (address as ipaddr.IPv4).match(network as ipaddr.IPv4, bits);
  if (address.kind() === 'ipv6' && network.kind() === 'ipv6') return (address as ipaddr.IPv6).match(network as ipaddr.IPv6, bits);
  return false;
}

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

/**
 * Ranges refused whatever ipaddr.js calls them: several are classed `unicast` by it (IPv4-compatible
 * `::/96`) or may be in another version, and each either embeds an IPv4 address a gateway would reach
 * for us (NAT64, 6to4-like) or is not the public internet (benchmarking, documentation, discard).
 */
const EXTRA_DENIED: readonly (readonly [string, string])[] = [
  ['::/96', 'IPv4-compatible'],
  ['fec0::/10', 'site-local'],
  ['64:ff9b::/96', 'NAT64'],
  ['64:ff9b:1::/48', 'local NAT64'],
  ['100::/64', 'discard'],
  ['2001::/32', 'Teredo'],
  ['2001:db8::/32', 'documentation'],
  ['2002::/16', '6to4'],
  ['198.18.0.0/15', 'benchmarking'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'documentation'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['240.0.0.0/4', 'reserved'],
];
const DENIED_NETWORKS = EXTRA_DENIED.map(([cidr, name]) => [...ipaddr.parseCIDR(cidr), name] as const);

/**
 * Only global unicast addresses may receive webhooks: loopback, private, carrier-grade NAT, link-local
 * (cloud metadata at 169.254.169.254), unique-local (fd00:ec2::254), multicast, reserved and the IPv6
 * transition ranges that embed IPv4 addresses are refused, unless allow-listed.
 */
export function checkAddress(literal: string, allowList: AllowList): AddressVerdict {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // Only canonical literals arrive here: WHATWG URL normalised the host, DNS answers are canonical.
    address = normalize(ipaddr.parse(literal.replace(/^\[|\]$/g, '')));
  } catch {
    return { allowed: false, reason: 'not an IP address' };
  }
  for (const [network, bits] of allowList) {
    if (inNetwork(address, network, bits)) return { allowed: true };
  }
  // The reason names the range, never the address: a refusal must not become a way to map what our DNS
  // resolves internal names to.
  const range = address.range();
  if (range !== 'unicast') return { allowed: false, reason: `the address is in a forbidden range (${range})` };
  for (const [network, bits, name] of DENIED_NETWORKS) {
    if (inNetwork(address, network, bits)) return { allowed: false, reason: `the address is in a forbidden range (${name})` };
  }
  return { allowed: true };
}

export type ParsedWebhookUrl =
  | { ok: true; url: URL; /** Host without IPv6 brackets. */ host: string; /** The host is an IP literal: no DNS. */ literal: boolean }
  | { ok: false; reason: string };

/**
 * WHATWG URL parsing normalises every IPv4 spelling (`127.1`, `2130706433`, `0177.0.0.1`, `0x7f.1`) to
 * dotted decimal and IPv6 to its compressed form, so the address check sees one spelling per address.
 */
export function parseWebhookUrl(raw: string): ParsedWebhookUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not a valid absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `the scheme ${url.protocol.slice(0, -1)} is not http or https` };
  if (url.username || url.password) return { ok: false, reason: 'credentials in the URL are not allowed' };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!host) return { ok: false, reason: 'the URL has no host' };
  return { ok: true, url, host, literal: ipaddr.isValid(host) && (host.includes(':') || /^\d+\.\d+\.\d+\.\d+$/.test(host)) };
}
