import * as oidc from 'openid-client';
import type { Config } from '../config/index.ts';
import { boundedFetch } from './bounded-fetch.ts';
import { InternalAddressError, publicOnlyAgent, type ResolveAll } from './public-egress.ts';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The dev and test identity providers run on this machine; nothing in production does. */
export const isLoopbackIssuerHost = (issuer: URL, env: Config['env']): boolean => env !== 'production' && LOOPBACK_HOSTS.has(issuer.hostname);

const isIpLiteral = (hostname: string) => hostname.startsWith('[') || /^[\d.]+$/.test(hostname);

/** `localhost` in every spelling that resolves to this host: the absolute `localhost.` and RFC 6761's `*.localhost` names. */
const isLocalhostName = (hostname: string) => /(^|\.)localhost\.?$/.test(hostname);

/**
 * An IP address or `localhost` reaches no identity provider from production: refusing them, for the
 * issuer and for the endpoints its document names, keeps our requests off this host and literal
 * internal addresses (loopback stays allowed outside production, for the dev and test IdPs).
 */
export const isAddressHost = (url: URL, env: Config['env']): boolean => (isIpLiteral(url.hostname) || isLocalhostName(url.hostname)) && !isLoopbackIssuerHost(url, env);

/**
 * openid-client refuses plain-http issuers; that is relaxed only for loopback issuers outside
 * production (the dev and test identity providers), never for anything reachable over a network.
 */
export function allowsInsecureIssuer(issuer: URL, env: Config['env']): boolean {
  return issuer.protocol === 'http:' && isLoopbackIssuerHost(issuer, env);
}

/** Why an issuer is no usable OpenID Provider; the setup page words each one for a person. */
export type IssuerProblem = 'insecure' | 'unreachable' | 'timeout' | 'not_openid_provider' | 'other_issuer' | 'unsafe_endpoint' | 'internal_address';

export class IssuerError extends Error {
  override name = 'IssuerError';
  constructor(
    message: string,
    readonly problem: IssuerProblem,
    /** For `other_issuer`: the issuer the discovery document names instead. */
    readonly namedIssuer?: string,
  ) {
    super(message);
  }
}

export interface ConnectionSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/** The default bound on a discovery request, in seconds; the setup page waits less (a person is waiting). */
const DISCOVERY_TIMEOUT_SECONDS = 10;

/** oauth4webapi's code for "the discovery document names another issuer" (openid-client does not re-export it). */
const ISSUER_MISMATCH = 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED';

/** An error and its causes, outermost first: openid-client wraps the check that failed in a general message. */
export const causes = (err: unknown): unknown[] => (err instanceof Error ? [err, ...causes(err.cause)] : err === undefined ? [] : [err]);

function issuerProblem(err: unknown): { problem: IssuerProblem; namedIssuer?: string; detail?: string } {
  const chain = causes(err);
  if (chain.some((e) => (e as { code?: unknown }).code === 'OAUTH_TIMEOUT' || (e as { name?: unknown }).name === 'TimeoutError')) return { problem: 'timeout' };
  const mismatch = chain.find((e) => (e as { code?: unknown }).code === ISSUER_MISMATCH) as { cause?: { body?: { issuer?: unknown } } } | undefined;
  if (mismatch) {
    const named = mismatch.cause?.body?.issuer;
    return { problem: 'other_issuer', ...(typeof named === 'string' ? { namedIssuer: named.slice(0, 2048) } : {}) };
  }
  const internal = chain.find((e) => e instanceof InternalAddressError);
  if (internal) return { problem: 'internal_address', detail: (internal as Error).message };
  if (chain.some((e) => e instanceof TypeError && e.message === 'fetch failed')) return { problem: 'unreachable' };
  return { problem: 'not_openid_provider' };
}

export interface DiscoverOptions {
  timeoutSeconds?: number;
  /** How production resolves the IdP's names (tests point it at their own DNS server). */
  resolve?: ResolveAll;
}

/**
 * In production every request to an identity provider (discovery, token, keys) connects only to
 * public addresses: a domain name typed by an IT contact, or named by a discovery document, that
 * resolves to this host or an internal network is refused at connect time. The dev and test IdPs
 * are on loopback, so outside production only the size bound applies.
 */
const productionFetch = boundedFetch(publicOnlyAgent());
const developmentFetch = boundedFetch();

/**
 * OIDC discovery from the issuer URL; openid-client requires the metadata's issuer to equal it
 * (except for Microsoft Entra ID and Azure AD B2C, whose multi-tenant documents it checks its own
 * way, and for an address naming the discovery document itself, which auth/connection-settings.ts
 * refuses). The document must list the endpoints a sign-in needs.
 */
export async function discover(settings: ConnectionSettings, env: Config['env'], { timeoutSeconds = DISCOVERY_TIMEOUT_SECONDS, resolve }: DiscoverOptions = {}) {
  const issuer = new URL(settings.issuer);
  const insecure = allowsInsecureIssuer(issuer, env);
  if (issuer.protocol !== 'https:' && !insecure) {
    throw new IssuerError(`issuer ${settings.issuer} must use https`, 'insecure');
  }
  let configuration: oidc.Configuration;
  try {
    configuration = await oidc.discovery(issuer, settings.clientId, settings.clientSecret, undefined, {
      execute: insecure ? [oidc.allowInsecureRequests] : [],
      timeout: timeoutSeconds,
      // Kept by the configuration: token and key responses are bounded as the discovery document is.
      [oidc.customFetch]: env === 'production' ? (resolve ? boundedFetch(publicOnlyAgent(resolve)) : productionFetch) : developmentFetch,
    });
  } catch (err) {
    const { problem, namedIssuer, detail = (err as Error).message } = issuerProblem(err);
    throw new IssuerError(`issuer ${settings.issuer} is unreachable or not an OpenID Provider: ${detail}`, problem, namedIssuer);
  }
  const metadata = configuration.serverMetadata();
  if (typeof metadata.authorization_endpoint !== 'string' || typeof metadata.token_endpoint !== 'string') {
    throw new IssuerError(`issuer ${settings.issuer} is unreachable or not an OpenID Provider: its discovery document lists no authorization or token endpoint`, 'not_openid_provider');
  }
  // The document, not the person, names these: the code and the secret go to the token endpoint.
  for (const endpoint of [metadata.authorization_endpoint, metadata.token_endpoint, metadata.jwks_uri]) {
    const url = typeof endpoint === 'string' ? URL.parse(endpoint) : null;
    if (endpoint !== undefined && (!url || (url.protocol !== 'https:' && !allowsInsecureIssuer(url, env)) || isAddressHost(url, env))) {
      throw new IssuerError(`issuer ${settings.issuer} names an endpoint that is not an https address on a domain name: ${String(endpoint).slice(0, 200)}`, 'unsafe_endpoint');
    }
  }
  return configuration;
}
