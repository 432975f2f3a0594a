import { describe, expect, it } from 'vitest';
import { checkConnectionSettings } from '../auth/connection-settings.ts';

const good = { issuer: 'https://acme.okta.com', clientId: '0oa1b2c3', clientSecret: 's3cret with spaces ' };
const problemsOf = (typed: Partial<typeof good>, env: 'production' | 'test' = 'production') => {
  const checked = checkConnectionSettings({ ...good, ...typed }, env);
  return 'problems' in checked ? checked.problems.map((p) => `${p.field}: ${p.message}`) : [];
};

describe('connection settings, as the setup page and the CLI check them', () => {
  it('accepts real issuers, trims issuer and client id, and keeps the secret exactly', () => {
    expect(checkConnectionSettings({ ...good, issuer: ' https://acme.okta.com ', clientId: ' 0oa1b2c3\t' }, 'production')).toEqual({ settings: good });
    expect(problemsOf({ issuer: 'https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0' })).toEqual([]);
  });

  it('refuses issuers an attacker or a typo could use to reach somewhere else', () => {
    for (const [issuer, says] of [
      ['http://acme.okta.com', 'must use https://'],
      ['http://127.0.0.1:9000', 'must use https://'],
      ['https://127.0.0.1', 'not an IP address or localhost'],
      ['https://localhost', 'not an IP address or localhost'],
      ['https://[::1]', 'not an IP address or localhost'],
      ['https://169.254.169.254', 'not an IP address or localhost'],
      ['https://user:pass@acme.okta.com', 'user name or password'],
      ['https://acme.okta.com/oauth2/default/.well-known/openid-configuration', 'discovery document'],
      ['https://acme.okta.com?', 'no query'],
      ['https://acme.okta.com/#', 'no fragment'],
      ['javascript:alert(1)', 'absolute URL'],
      ['ftp://acme.okta.com', 'absolute URL'],
      ['https://acme.okta.com/a b', 'without spaces'],
      ['', 'Type the issuer URL'],
    ] as const) {
      expect(problemsOf({ issuer }).join(), issuer).toContain(says);
    }
  });

  it('allows plain http and loopback addresses for a local identity provider outside production only', () => {
    expect(problemsOf({ issuer: 'http://127.0.0.1:9000' }, 'test')).toEqual([]);
    expect(problemsOf({ issuer: 'http://localhost:9000' }, 'test')).toEqual([]);
    expect(problemsOf({ issuer: 'https://10.0.0.7' }, 'test').join()).toContain('not an IP address');
    expect(problemsOf({ issuer: 'http://idp.example.com' }, 'test').join()).toContain('must use https://');
  });

  it('names every field that is wrong, each within its limit', () => {
    expect(problemsOf({ issuer: `https://acme.okta.com/${'p'.repeat(2030)}`, clientId: 'c'.repeat(256), clientSecret: 's'.repeat(1025) })).toEqual([
      'issuer: The issuer URL is longer than 2048 characters; type the issuer your identity provider names.',
      'clientId: The client id is longer than 255 characters; copy just the id.',
      'clientSecret: The client secret is longer than 1024 characters; copy just the secret.',
    ]);
    expect(problemsOf({ clientId: 'a\u0000b', clientSecret: 'x\ny' })).toHaveLength(2);
    expect(problemsOf({ clientId: '   ', clientSecret: '' })).toHaveLength(2);
    expect(problemsOf({ clientId: 'c'.repeat(255), clientSecret: 's'.repeat(1024), issuer: `https://acme.okta.com/${'p'.repeat(2048 - 22)}` })).toEqual([]);
  });
});
