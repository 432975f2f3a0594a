import * as oidc from 'openid-client';
import type { Config } from '../config/index.ts';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * openid-client refuses plain-http issuers; that is relaxed only for loopback issuers outside
 * production (the dev and test identity providers), never for anything reachable over a network.
 */
export function allowsInsecureIssuer(issuer: URL, env: Config['env']): boolean {
  return env !== 'production' && issuer.protocol === 'http:' && LOOPBACK_HOSTS.has(issuer.hostname);
}

export class IssuerError extends Error {
  override name = 'IssuerError';
}

export interface ConnectionSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/** OIDC discovery from the issuer URL; the issuer in the metadata must equal it exactly. */
export async function discover(settings: ConnectionSettings, env: Config['env']) {
  const issuer = new URL(settings.issuer);
  const insecure = allowsInsecureIssuer(issuer, env);
  if (issuer.protocol !== 'https:' && !insecure) {
    throw new IssuerError(`issuer ${settings.issuer} must use https`);
  }
  try {
    return await oidc.discovery(issuer, settings.clientId, settings.clientSecret, undefined, {
      execute: insecure ? [oidc.allowInsecureRequests] : [],
      timeout: 10,
    });
  } catch (err) {
    throw new IssuerError(`issuer ${settings.issuer} is unreachable or not an OpenID Provider: ${(err as Error).message}`);
  }
}
