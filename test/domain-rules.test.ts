/** The pure rules of domain verification: what may be claimed, the record's value, the schedule, DNS_SERVERS. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { claimableDomain } from '../domain/domain-claim.ts';
import { challengeRecord, defaultDomainCheckSchedule, delayAfterCheck, hasChallengeValue } from '../domain/domain-verification.ts';

const refusal = (input: string) => {
  const claim = claimableDomain(input);
  return 'refusal' in claim ? claim.refusal : undefined;
};

describe('claimableDomain', () => {
  it('normalises case, blanks and the root dot', () => {
    expect(claimableDomain(' Acme.EXAMPLE. ')).toEqual({ domain: 'acme.example' });
  });

  it.each(['gmail.com', 'outlook.com', 'yahoo.co.uk', 'mail.gmail.com'])('refuses the consumer email domain %s', (domain) => {
    expect(refusal(domain)).toMatch(/public email provider/);
  });

  it.each(['co.uk', 'com', 'github.io', 'blogspot.com'])('refuses the public suffix %s', (domain) => {
    expect(refusal(domain)).toMatch(/public suffix|not a domain name/);
  });

  it.each(['192.168.1.10', '::1', '[2001:db8::1]'])('refuses the IP address %s', (domain) => {
    expect(refusal(domain)).toMatch(/IP address/);
  });

  it.each(['', 'acme', 'a..example', '-acme.example', 'acme-.example', 'ac me.example', 'acme.example/x', `${'a'.repeat(64)}.example`, 'é.example'])(
    'refuses the malformed name %j',
    (domain) => expect(refusal(domain)).toMatch(/not a domain name/),
  );

  it('allows a name under a public suffix (a registrable domain and its subdomains)', () => {
    expect(claimableDomain('acme.co.uk')).toEqual({ domain: 'acme.co.uk' });
    expect(claimableDomain('eu.acme.co.uk')).toEqual({ domain: 'eu.acme.co.uk' });
  });
});

describe('the challenge record', () => {
  const token = '0123456789abcdef0123456789abcdef';
  it('lives on a fixed label under the domain', () => {
    expect(challengeRecord('acme.example', token)).toEqual({
      name: '_sso-provisioning-challenge.acme.example',
      type: 'TXT',
      value: `sso-provisioning-verification=${token}`,
    });
  });

  it('matches its value whatever its case, surrounding blanks or pasted quotes; nothing else', () => {
    const { value } = challengeRecord('acme.example', token);
    expect(hasChallengeValue([value.toUpperCase()], token)).toBe(true);
    expect(hasChallengeValue([` "${value}" `], token)).toBe(true);
    expect(hasChallengeValue([`${value}0`, token, `x${value}`], token)).toBe(false);
    expect(hasChallengeValue([], token)).toBe(false);
  });
});

describe('the check schedule', () => {
  it('checks often at first, then hourly, for 30 days; re-checks daily once verified', () => {
    const s = defaultDomainCheckSchedule;
    expect([0, 1, 2, 3, 4, 5].map((n) => delayAfterCheck(s, n) / 60_000)).toEqual([1, 2, 5, 10, 15, 30]);
    expect(delayAfterCheck(s, 6)).toBe(3_600_000);
    expect(delayAfterCheck(s, 500)).toBe(3_600_000);
    expect(s.deadlineMs).toBe(30 * 86_400_000);
    expect(s.recheckEveryMs).toBe(86_400_000);
  });
});

describe('DNS_SERVERS', () => {
  it("defaults to the system's resolvers", () => {
    expect(loadConfig({ APP_ENV: 'test' }).dnsServers).toBeUndefined();
    expect(loadConfig({ APP_ENV: 'test', DNS_SERVERS: ' ' }).dnsServers).toBeUndefined();
  });

  it('takes IP addresses with optional ports', () => {
    expect(loadConfig({ APP_ENV: 'test', DNS_SERVERS: '10.0.0.2, 1.1.1.1:53,::1,[2001:db8::1]:5353' }).dnsServers).toEqual(['10.0.0.2', '1.1.1.1:53', '::1', '[2001:db8::1]:5353']);
  });

  it.each(['dns.example', '10.0.0.2:0', '10.0.0.2:70000', '300.1.1.1', ',', '10.0.0.2;1.1.1.1'])('stops start-up on %j, naming the variable', (value) => {
    expect(() => loadConfig({ APP_ENV: 'test', DNS_SERVERS: value })).toThrow(/DNS_SERVERS must be comma-separated IP addresses/);
  });
});
