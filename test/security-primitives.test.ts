import { describe, expect, it } from 'vitest';
import { cookieOptions, sessionCookieName } from '../auth/sessions.ts';
import { allowsInsecureIssuer } from '../auth/oidc.ts';
import { decryptSecret, encryptSecret, randomToken, sign, unsign } from '../auth/tokens.ts';
import { loadConfig } from '../config/index.ts';
import { checkClaims } from '../domain/sign-in.ts';

const key = Buffer.alloc(32, 9);

describe('security primitives', () => {
  it('session ids carry 256 bits and never repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, randomToken));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(Buffer.from(id, 'base64url')).toHaveLength(32);
  });

  it('sealed client secrets decrypt only with the key and fail when tampered', () => {
    const sealed = encryptSecret(key, 'client-secret');
    expect(sealed).not.toContain('client-secret');
    expect(decryptSecret(key, sealed)).toBe('client-secret');
    expect(() => decryptSecret(Buffer.alloc(32, 1), sealed)).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('client-secreT').toString('base64url');
    expect(() => decryptSecret(key, parts.join('.'))).toThrow();
  });

  it('signed values verify only unchanged and with the same secret', () => {
    const signed = sign('s'.repeat(32), 'state-value');
    expect(unsign('s'.repeat(32), signed)).toBe('state-value');
    expect(unsign('t'.repeat(32), signed)).toBeUndefined();
    expect(unsign('s'.repeat(32), signed.replace('state', 'stale'))).toBeUndefined();
    expect(unsign('s'.repeat(32), undefined)).toBeUndefined();
  });

  it('uses a Secure __Host- session cookie when PUBLIC_URL is https', () => {
    const https = loadConfig({ PUBLIC_URL: 'https://sso.example.com' });
    expect(sessionCookieName(https)).toBe('__Host-session');
    expect(cookieOptions(https)).toEqual({ httpOnly: true, sameSite: 'Lax', secure: true, path: '/' });
    expect(sessionCookieName(loadConfig({}))).toBe('session');
  });

  it('allows plain-http issuers only on loopback and never in production', () => {
    expect(allowsInsecureIssuer(new URL('http://127.0.0.1:9000'), 'development')).toBe(true);
    expect(allowsInsecureIssuer(new URL('http://localhost:9000'), 'test')).toBe(true);
    expect(allowsInsecureIssuer(new URL('http://127.0.0.1:9000'), 'production')).toBe(false);
    expect(allowsInsecureIssuer(new URL('http://idp.example.com'), 'development')).toBe(false);
    expect(allowsInsecureIssuer(new URL('http://127.0.0.1.nip.io'), 'development')).toBe(false);
  });

  it('accepts an email only when the IdP says it is verified (or Entra says xms_edov)', () => {
    const okta = 'https://acme.okta.com';
    const entra = 'https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0';
    expect(checkClaims({ iss: okta, sub: 's', email: 'A@X.example', email_verified: true })).toEqual({ email: 'a@x.example', name: '' });
    expect(checkClaims({ iss: entra, sub: 's', email: 'a@x.example', xms_edov: true })).toMatchObject({ email: 'a@x.example' });
    expect(checkClaims({ iss: 'https://sts.windows.net/9188040d/', sub: 's', email: 'a@x.example', xms_edov: true })).toMatchObject({ email: 'a@x.example' });
    expect(checkClaims({ iss: okta, sub: 's', email: 'a@x.example', email_verified: 'true' })).toEqual({ refused: 'email_not_verified' });
    expect(checkClaims({ iss: entra, sub: 's', email: 'a@x.example', xms_edov: 'true' })).toEqual({ refused: 'email_not_verified' });
    expect(checkClaims({ iss: okta, sub: 's', email_verified: true })).toEqual({ refused: 'email_missing' });
  });

  it('does not let xms_edov stand in outside Entra, nor against an explicit email_verified: false', () => {
    const entra = 'https://login.microsoftonline.com/tid/v2.0';
    expect(checkClaims({ iss: 'https://acme.okta.com', sub: 's', email: 'a@x.example', xms_edov: true })).toEqual({ refused: 'email_not_verified' });
    expect(checkClaims({ iss: 'http://login.microsoftonline.com/tid/v2.0', sub: 's', email: 'a@x.example', xms_edov: true })).toEqual({ refused: 'email_not_verified' });
    expect(checkClaims({ iss: 'https://login.microsoftonline.com.evil.example/', sub: 's', email: 'a@x.example', xms_edov: true })).toEqual({ refused: 'email_not_verified' });
    expect(checkClaims({ iss: entra, sub: 's', email: 'a@x.example', xms_edov: true, email_verified: false })).toEqual({ refused: 'email_not_verified' });
  });
});
