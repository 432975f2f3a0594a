import { lookup as systemLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent, buildConnector } from 'undici';

/**
 * Addresses no identity provider on the internet has: this host, private and shared networks,
 * link-local (cloud metadata at 169.254.169.254), multicast, reserved and documentation ranges
 * (IANA's IPv4 special-purpose registry, and the deprecated 6to4 relay anycast).
 */
const internalIpv4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 3],
] as const) internalIpv4.addSubnet(network, prefix, 'ipv4');

/**
 * IPv6 is public only in global unicast (2000::/3, the only space IANA allocates): everything
 * outside it (loopback, IPv4-mapped and -compatible, NAT64, unique-local, link- and site-local,
 * multicast, SRv6) is internal by that alone, so no list of those can miss one. Inside it, the
 * special-purpose blocks: IETF protocol assignments (Teredo, whose IPv4 side could be any address,
 * benchmarking), documentation, and 6to4 (which tunnels to IPv4).
 */
const globalUnicast = new BlockList();
globalUnicast.addSubnet('2000::', 3, 'ipv6');
const specialIpv6 = new BlockList();
for (const [network, prefix] of [['2001::', 23], ['2001:db8::', 32], ['2002::', 16], ['3fff::', 20]] as const) specialIpv6.addSubnet(network, prefix, 'ipv6');

export const isInternalAddress = (address: string): boolean => {
  const family = isIP(address);
  if (family === 4) return internalIpv4.check(address, 'ipv4');
  if (family === 6) return !globalUnicast.check(address, 'ipv6') || specialIpv6.check(address, 'ipv6');
  return true;
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

/**
 * The dispatcher of every request to an identity provider in production (auth/bounded-fetch.ts).
 * A literal address is never looked up (net.connect skips the lookup for one), so it is checked
 * here: the pages refuse literal hosts already, and this keeps the rule in the one place it is claimed.
 */
export function publicOnlyAgent(resolve?: ResolveAll): Agent {
  const connector = buildConnector({ lookup: publicOnlyLookup(resolve) });
  return new Agent({
    connect: (options, callback) => {
      if (isIP(options.hostname) && isInternalAddress(options.hostname)) {
        return callback(new InternalAddressError(`${options.hostname} is an internal address`), null);
      }
      connector(options, callback);
    },
  });
}
