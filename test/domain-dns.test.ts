/** The TXT look-up against a real DNS server on loopback (dns2), one case per thing a zone can say. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookUpChallenge } from '../activities/dns.ts';
import { challengeRecord } from '../domain/domain-verification.ts';
import { startDnsServer, startSilentDnsServer, type TestDnsServer } from './support/dns-server.ts';

const token = '0123456789abcdef0123456789abcdef';
const value = challengeRecord('x.example', token).value;
const nameOf = (domain: string) => challengeRecord(domain, token).name;

let zone: TestDnsServer;
let silent: Awaited<ReturnType<typeof startSilentDnsServer>>;
beforeAll(async () => {
  [zone, silent] = await Promise.all([startDnsServer(), startSilentDnsServer()]);
});
afterAll(async () => Promise.all([zone.stop(), silent.stop()]));

const look = (domain: string) => lookUpChallenge({ servers: [zone.server] }, domain, token);

describe('lookUpChallenge', () => {
  it('finds the record', async () => {
    zone.setTxt(nameOf('found.example'), [value]);
    expect(await look('found.example')).toBe('found');
  });

  it('reports no record for a name that does not exist (NXDOMAIN)', async () => {
    expect(await look('missing.example')).toBe('no_record');
  });

  it('reports no record for a name with no TXT records (NODATA)', async () => {
    zone.setTxt(nameOf('empty.example'), []);
    expect(await look('empty.example')).toBe('no_record');
  });

  it('reports a DNS error, not a verdict, on SERVFAIL', async () => {
    zone.servfail(nameOf('broken.example'));
    expect(await look('broken.example')).toBe('dns_error');
  });

  it('reports a DNS error within its bound when the server never answers', async () => {
    const started = Date.now();
    expect(await lookUpChallenge({ servers: [silent.server], timeoutMs: 200, tries: 2 }, 'slow.example', token)).toBe('dns_error');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('finds the record among several TXT records', async () => {
    zone.setTxt(nameOf('several.example'), ['v=spf1 -all', 'sso-provisioning-verification=ffffffffffffffffffffffffffffffff', value, 'another']);
    expect(await look('several.example')).toBe('found');
  });

  it('joins a record split into several character-strings', async () => {
    zone.setTxt(nameOf('split.example'), [[value.slice(0, 20), value.slice(20, 40), value.slice(40)]]);
    expect(await look('split.example')).toBe('found');
  });

  it('does not join separate records into one', async () => {
    zone.setTxt(nameOf('separate.example'), [value.slice(0, 20), value.slice(20)]);
    expect(await look('separate.example')).toBe('other_values');
  });

  it('reports other values when the records carry another token or none', async () => {
    zone.setTxt(nameOf('other.example'), ['sso-provisioning-verification=ffffffffffffffffffffffffffffffff', 'hello']);
    expect(await look('other.example')).toBe('other_values');
  });

  it('matches names case-insensitively: a zone written in upper case, answering in upper case', async () => {
    zone.setTxt(nameOf('upper.example').toUpperCase(), [value.toUpperCase()]);
    expect(await look('upper.example')).toBe('found');
  });

  it('does not accept the record one label off (on the domain itself)', async () => {
    zone.setTxt('apex.example', [value]);
    expect(await look('apex.example')).toBe('no_record');
  });
});
