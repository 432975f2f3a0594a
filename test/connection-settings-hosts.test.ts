import { describe, expect, it } from 'vitest';
import { checkConnectionSettings } from '../auth/connection-settings.ts';

// Issue 17: the issuer rule says an IP address or `localhost` never names the issuer in
// production, which keeps discovery off this host. Names that are localhost by another spelling
// (the absolute form with its trailing dot, RFC 6761's `.localhost` names) must be refused too.

const settings = (issuer: string) => ({ issuer, clientId: 'app', clientSecret: 'secret' });

describe('the issuer host in production', () => {
  it.each(['https://localhost./', 'https://LOCALHOST.', 'https://idp.localhost/', 'https://idp.localhost./tenant'])('refuses %s as localhost', (issuer) => {
    const checked = checkConnectionSettings(settings(issuer), 'production');
    expect(checked).toEqual({ problems: [{ field: 'issuer', message: 'The issuer must name its host by a domain name, not an IP address or localhost.' }] });
  });

  it('still accepts an ordinary domain name', () => {
    expect(checkConnectionSettings(settings('https://acme.okta.com'), 'production')).toEqual({ settings: settings('https://acme.okta.com') });
  });
});
