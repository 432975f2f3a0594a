import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import dns2 from 'dns2';
import { freePort } from '../../dev/ports.ts';

const { Packet } = dns2;

/** What the zone holds at one name: TXT records (each one or more character-strings), addresses, or a failure. */
type Entry = { txt: string[][]; answerName: string } | { addresses: string[]; answerName: string } | { servfail: true };

/**
 * A real authoritative DNS server on loopback (UDP), built on dns2: tests set the records each
 * case needs. Names match case-insensitively, as in DNS, and answers carry the name as it was set,
 * in whatever case. Unknown names get NXDOMAIN.
 */
export interface TestDnsServer {
  /** `127.0.0.1:port`, as DNS_SERVERS takes it. */
  server: string;
  /** Each record is one string or its character-strings (a split record). */
  setTxt(name: string, records: (string | string[])[]): void;
  /** A and AAAA records (by each address's family). */
  setAddresses(name: string, addresses: string[]): void;
  servfail(name: string): void;
  remove(name: string): void;
  stop(): Promise<void>;
}

export async function startDnsServer(): Promise<TestDnsServer> {
  const zone = new Map<string, Entry>();
  const server = dns2.createUDPServer((request, send) => {
    const response = Packet.createResponseFromRequest(request);
    const [question] = request.questions;
    const entry = question && zone.get(question.name.toLowerCase());
    if (!entry) response.header.rcode = 3;
    else if ('servfail' in entry) response.header.rcode = 2;
    else if ('txt' in entry && question.type === Packet.TYPE.TXT) {
      for (const data of entry.txt) response.answers.push({ name: entry.answerName, type: Packet.TYPE.TXT, class: Packet.CLASS.IN, ttl: 1, data } as never);
    } else if ('addresses' in entry && (question.type === Packet.TYPE.A || question.type === Packet.TYPE.AAAA)) {
      const family = question.type === Packet.TYPE.A ? 4 : 6;
      for (const address of entry.addresses.filter((a) => isIP(a) === family)) {
        response.answers.push({ name: entry.answerName, type: question.type, class: Packet.CLASS.IN, ttl: 1, address } as never);
      }
    }
    void send(response);
  });
  const port = await freePort();
  await server.listen(port, '127.0.0.1');
  return {
    server: `127.0.0.1:${port}`,
    setTxt: (name, records) => zone.set(name.toLowerCase(), { answerName: name, txt: records.map((r) => (Array.isArray(r) ? r : [r])) }),
    setAddresses: (name, addresses) => zone.set(name.toLowerCase(), { answerName: name, addresses }),
    servfail: (name) => zone.set(name.toLowerCase(), { servfail: true }),
    remove: (name) => zone.delete(name.toLowerCase()),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A UDP socket that takes every query and answers none: the resolver's timeout case. */
export async function startSilentDnsServer(): Promise<{ server: string; stop(): Promise<void> }> {
  const socket: Socket = createSocket('udp4');
  const port = await freePort();
  await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
  return { server: `127.0.0.1:${port}`, stop: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}
