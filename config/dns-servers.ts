import { isIP } from 'node:net';
import { z } from 'zod';

/** One server as node:dns setServers takes it: an IP address, with `:port` (IPv6 in brackets, `[::1]:53`). */
function isDnsServer(entry: string): boolean {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(entry);
  const [address, port] = bracketed ? [bracketed[1]!, bracketed[2]] : isIP(entry) === 6 ? [entry, undefined] : entry.split(/:(?=\d+$)/);
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535)) return false;
  return isIP(address ?? '') !== 0;
}

/**
 * DNS_SERVERS: the resolvers domain verification asks, comma-separated (`10.0.0.2,1.1.1.1:53`);
 * unset or blank means the system's (/etc/resolv.conf). Addresses only: node:dns cannot resolve its own servers.
 */
export const dnsServers = z
  .string()
  .transform((value, ctx) => {
    // Blank, as compose files pass an unset variable: the system's resolvers.
    if (value.trim() === '') return undefined;
    const entries = value.split(',').map((e) => e.trim()).filter(Boolean);
    const bad = entries.filter((e) => !isDnsServer(e));
    if (entries.length > 0 && bad.length === 0) return entries;
    ctx.addIssue({ code: 'custom', message: `must be comma-separated IP addresses with optional :port (e.g. 10.0.0.2,[::1]:53); not: ${bad.join(', ') || '(empty)'}` });
    return z.NEVER;
  })
  .optional();
