import { lookup as systemLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent } from 'undici';

/**
 * Addresses no identity provider on the internet has: this host, private and shared networks,
 * link-local (cloud metadata at 169.254.169.254), multicast, reserved and documentation ranges, and
 * IPv6 forms that tunnel to IPv4 (mapped, NAT64, 6to4), whose IPv4 side could be any of those.
 */
const internal = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 3],
] as const) internal.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 127], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001:db8::', 32], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const) internal.addSubnet(network, prefix, 'ipv6');

// IPv4-mapped IPv6 (::ffff:a.b.c.d) is refused by its prefix: as a BlockList rule it would also
// match every IPv4 address, which BlockList checks against IPv6 rules in mapped form.
const ipv4Mapped = /^::ffff:/i;

export const isInternalAddress = (address: string): boolean => {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6 && ipv4Mapped.test(address)) return true;
  return internal.check(address, family === 4 ? 'ipv4' : 'ipv6');
};

export class InternalAddressError extends Error {
  override name = 'InternalAddressError';
  readonly code = 'INTERNAL_ADDRESS';
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
/** node:dns lookup's shape (all addresses), which a test can point at its own DNS server. */
export type ResolveAll = (hostname: string, options: LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

/**
 * A connect-time lookup that refuses a name any of whose addresses is internal. Checked where the
 * socket connects, not before the request, so a name that answers differently the second time
 * (DNS rebinding) is checked on the answer the connection uses.
 */
export function publicOnlyLookup(resolve: ResolveAll = systemLookup) {
  return (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const blocked = addresses.find((a) => isInternalAddress(a.address));
      if (blocked || addresses.length === 0) {
        return callback(new InternalAddressError(`${hostname} resolves to an internal address (${blocked?.address ?? 'none'})`), []);
      }
      if (options.all) return callback(null, addresses);
      const [first] = addresses as [LookupAddress];
      callback(null, first.address, first.family);
    });
  };
}

/** The dispatcher of every request to an identity provider in production (auth/bounded-fetch.ts). */
export const publicOnlyAgent = (resolve?: ResolveAll) => new Agent({ connect: { lookup: publicOnlyLookup(resolve) } });
