import { BlockList, isIP } from 'node:net';

/**
 * Where webhooks may go. Link-local and cloud metadata addresses are never a target; loopback
 * and private ranges only when the operator allows them (--webhook-allow-private). Checked on
 * the URL when a subscription is made and again on the resolved address at every connect, so a
 * name that resolves somewhere else later (DNS rebinding) is refused too.
 */
export interface AddressPolicy {
  /** Why `address` (an IP) may not be connected to, or null when it may. */
  refusal(address: string): string | null;
  /** Why the URL text may not be used, or null (its host name is checked again once resolved). */
  urlRefusal(url: string): string | null;
}

const subnets = (entries: readonly [string, number, 'ipv4' | 'ipv6'][]): BlockList => {
  const list = new BlockList();
  for (const [network, prefix, type] of entries) list.addSubnet(network, prefix, type);
  return list;
};

/** Never: link-local (cloud metadata at 169.254.169.254), AWS's IPv6 metadata, unspecified, multicast, reserved. */
const ALWAYS_REFUSED = subnets([
  ['169.254.0.0', 16, 'ipv4'],
  ['fe80::', 10, 'ipv6'],
  ['fd00:ec2::254', 128, 'ipv6'],
  ['0.0.0.0', 8, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
]);

/** Only with --webhook-allow-private: loopback, RFC 1918, carrier-grade NAT, unique local. */
const PRIVATE = subnets([
  ['127.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
]);

/** Host names that mean this machine whatever DNS says. */
const LOCAL_NAMES = /^(localhost|localhost\.localdomain|.*\.localhost)\.?$/i;

export function createAddressPolicy(options: { allowPrivate: boolean }): AddressPolicy {
  const refusal = (address: string): string | null => {
    const type = isIP(address);
    if (type === 0) return `${address} is not an IP address`;
    const family = type === 4 ? 'ipv4' : 'ipv6';
    // BlockList matches IPv4-mapped IPv6 (::ffff:169.254.169.254) against the IPv4 rules too.
    if (ALWAYS_REFUSED.check(address, family)) return `${address} is a link-local, metadata or reserved address`;
    if (!options.allowPrivate && PRIVATE.check(address, family)) return `${address} is a loopback or private address (allowed only with --webhook-allow-private)`;
    return null;
  };
  return {
    refusal,
    urlRefusal: (text) => {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        return 'is not a URL';
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http:// or https:// URL';
      if (url.username !== '' || url.password !== '') return 'must not carry credentials (put them in the path or query if the receiver needs them)';
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (host === '') return 'has no host';
      if (isIP(host) !== 0) return refusal(host);
      if (LOCAL_NAMES.test(host) && !options.allowPrivate) return `${host} is this machine (allowed only with --webhook-allow-private)`;
      return null;
    },
  };
}
