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
    return { allowed: false, reason: `"${literal}" is not an IP address` };
  }
  for (const [network, bits] of allowList) {
    if (inNetwork(address, network, bits)) return { allowed: true };
  }
  const range = address.range();
  if (range === 'unicast') return { allowed: true };
  return { allowed: false, reason: `${address.toString()} is a ${range} address` };
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
