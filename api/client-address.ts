import { isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/** `192.0.2.1:1234`, `[2001:db8::1]:1234` and IPv4-mapped `::ffff:192.0.2.1` name the plain address. */
function plainAddress(value: string): string {
  const bare = /^\[([^\]]+)\](?::\d+)?$/.exec(value)?.[1] ?? /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(value)?.[1] ?? value;
  return /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)?.[1] ?? bare;
}

/**
 * The client's address. With no trusted proxies, the socket's peer: X-Forwarded-For is never
 * believed, since any client can send it. With `trustedHops` proxies in front, the address the
 * outermost of them saw: one X-Forwarded-For entry per trusted proxy, read from the right; entries
 * further left are whatever the client claimed. An entry that is no address yields to the next
 * proxy's view.
 */
export function clientAddress(c: Context, trustedHops: number): string {
  const peer = getConnInfo(c).remote.address;
  if (!peer) throw new Error('the client socket has no address');
  const forwarded = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((entry) => plainAddress(entry.trim()))
    .filter(Boolean)
    .reverse();
  const trusted = [plainAddress(peer), ...forwarded.slice(0, trustedHops)];
  return trusted.reverse().find((address) => isIP(address) !== 0) ?? plainAddress(peer);
}
