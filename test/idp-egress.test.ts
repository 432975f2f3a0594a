/**
 * In production the service connects to an identity provider only on public addresses: a domain
 * name (typed by an IT contact, or named by a discovery document) that resolves to this host or an
 * internal network is refused where the socket would connect. Names are resolved by a real DNS
 * server on loopback; a real listener stands where an internal service would be, and must see no
 * connection.
 */
import { Resolver } from 'node:dns/promises';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundedFetch } from '../auth/bounded-fetch.ts';
import { causes, discover, IssuerError } from '../auth/oidc.ts';
import { InternalAddressError, isInternalAddress, publicOnlyAgent, type ResolveAll } from '../auth/public-egress.ts';
import { startDnsServer, type TestDnsServer } from './support/dns-server.ts';

let zone: TestDnsServer;
let internalService: Server;
let connections = 0;
let port: number;

/** node:dns lookup's shape over the test's DNS server: A and AAAA answers together. */
const resolveWith = (server: string): ResolveAll => (hostname, _options, callback) => {
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([server]);
  const family = (records: Promise<string[]>, f: 4 | 6) => records.then((addresses) => addresses.map((address) => ({ address, family: f })), () => []);
  void Promise.all([family(resolver.resolve4(hostname), 4), family(resolver.resolve6(hostname), 6)]).then(([v4, v6]) => {
    const addresses = [...v4, ...v6];
    if (addresses.length === 0) callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    else callback(null, addresses);
  });
};

beforeAll(async () => {
  zone = await startDnsServer();
  internalService = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => internalService.listen(0, '127.0.0.1', resolve));
  port = (internalService.address() as { port: number }).port;
});
afterAll(async () => {
  await zone?.stop();
  await new Promise((resolve) => internalService?.close(resolve));
});

const settings = (issuer: string) => ({ issuer, clientId: 'app', clientSecret: 'secret' });

async function discoveryProblem(issuer: string) {
  const err = await discover(settings(issuer), 'production', { timeoutSeconds: 2, resolve: resolveWith(zone.server) }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IssuerError);
  return err as IssuerError;
}

describe('identity provider requests in production', () => {
  it.each([
    ['this host (loopback)', ['127.0.0.1']],
    ['a private network', ['10.20.30.40']],
    ['cloud metadata (link-local)', ['169.254.169.254']],
    ['IPv6 loopback', ['::1']],
    ['a public address beside an internal one', ['93.184.215.14', '127.0.0.1']],
    ['a Teredo tunnel (its IPv4 side could be internal)', ['2001:0:4136:e378:8000:63bf:3fff:fdd2']],
  ])('refuses a name that resolves to %s, and never connects', async (label, addresses) => {
    const name = `idp-${label.toLowerCase().replace(/\W+/g, '-').replace(/-$/, '')}.corp.test`;
    zone.setAddresses(name, addresses);
    const before = connections;
    const err = await discoveryProblem(`https://${name}:${port}/`);
    expect(err.problem).toBe('internal_address');
    expect(err.message).toContain(`${name} resolves to an internal address`);
    expect(connections).toBe(before);
  });

  it.each(['127.0.0.1', '[::1]', '[::ffff:7f00:1]'])('refuses a literal internal address (%s, which no lookup sees) in the dispatcher itself, and never connects', async (host) => {
    const before = connections;
    const err = await boundedFetch(publicOnlyAgent())(`http://${host}:${port}/.well-known/openid-configuration`, { method: 'GET', headers: {}, body: undefined, redirect: 'manual' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(causes(err).some((e) => e instanceof InternalAddressError)).toBe(true);
    expect(connections).toBe(before);
  });

  it('lets a name with only public addresses through to connect (here it cannot: no internet)', async () => {
    zone.setAddresses('idp-public.corp.test', ['93.184.215.14']);
    const err = await discoveryProblem(`https://idp-public.corp.test:${port}/`);
    expect(['unreachable', 'timeout']).toContain(err.problem);
  });

  it.each([
    ['8.8.8.8', false],
    ['2606:4700:4700::1111', false],
    ['100.64.1.1', true],
    ['172.31.255.255', true],
    ['192.168.1.1', true],
    ['0.0.0.0', true],
    ['fd12:3456::1', true],
    ['fe80::1', true],
    ['::ffff:127.0.0.1', true],
    ['64:ff9b::a00:1', true],
    ['not an address', true],
    // IANA's special-purpose registries, and IPv6 outside global unicast (2000::/3).
    ['::7f00:1', true],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', true],
    ['2001:2::1', true],
    ['3fff::1', true],
    ['5f00::1', true],
    ['fec0::1', true],
    ['100:0:0:1::1', true],
    ['4000::1', true],
    ['192.88.99.1', true],
    ['2a00:1450:4001:82b::200e', false],
  ])('%s is internal: %s', (address, expected) => {
    expect(isInternalAddress(address)).toBe(expected);
  });
});
