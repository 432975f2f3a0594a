import type { Config } from '../config/index.ts';
import { hasControlCharacter } from '../domain/text.ts';
import { allowsInsecureIssuer, isAddressHost, type ConnectionSettings } from './oidc.ts';

export const MAX_ISSUER_LENGTH = 2048;
export const MAX_CLIENT_ID_LENGTH = 255;
export const MAX_CLIENT_SECRET_LENGTH = 1024;

export interface SettingsProblem {
  field: keyof ConnectionSettings;
  message: string;
}

/**
 * What an issuer URL must be before anything fetches it. An address naming the discovery document
 * itself is refused: openid-client compares the document's issuer only when it builds that address.
 * An IP address or `localhost` reaches no identity provider from production; refusing them keeps the
 * discovery fetch off this host and literal internal addresses.
 */
function issuerProblem(issuer: string, env: Config['env']): string | undefined {
  if (issuer === '') return 'Type the issuer URL of your identity provider, for example https://acme.okta.com.';
  if (issuer.length > MAX_ISSUER_LENGTH) return `The issuer URL is longer than ${MAX_ISSUER_LENGTH} characters; type the issuer your identity provider names.`;
  if (hasControlCharacter(issuer) || /\s/.test(issuer)) return 'The issuer URL must be one line without spaces.';
  const url = URL.parse(issuer);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return 'The issuer must be an absolute URL starting with https://, for example https://acme.okta.com.';
  if (url.username || url.password) return 'The issuer URL must not carry a user name or password.';
  if (issuer.includes('?') || issuer.includes('#')) return 'The issuer URL must have no query (?…) and no fragment (#…): type it exactly as your identity provider names its issuer.';
  if (url.pathname.includes('/.well-known/')) return 'That is the address of the discovery document; type the issuer itself (the part before /.well-known/).';
  if (url.protocol !== 'https:' && !allowsInsecureIssuer(url, env)) return 'The issuer must use https://. Plain http:// is accepted only for an identity provider on this machine, outside production.';
  if (isAddressHost(url, env)) return 'The issuer must name its host by a domain name, not an IP address or localhost.';
  return undefined;
}

function clientIdProblem(clientId: string): string | undefined {
  if (clientId === '') return 'Type the client id (application id) your identity provider gave this app.';
  if (clientId.length > MAX_CLIENT_ID_LENGTH) return `The client id is longer than ${MAX_CLIENT_ID_LENGTH} characters; copy just the id.`;
  if (hasControlCharacter(clientId)) return 'The client id must be one line, without tabs or control characters.';
  return undefined;
}

function clientSecretProblem(secret: string): string | undefined {
  if (secret === '') return 'Type the client secret your identity provider gave this app.';
  if (secret.length > MAX_CLIENT_SECRET_LENGTH) return `The client secret is longer than ${MAX_CLIENT_SECRET_LENGTH} characters; copy just the secret.`;
  if (hasControlCharacter(secret)) return 'The client secret must not contain line breaks or control characters.';
  return undefined;
}

/**
 * The settings of a connection as typed (issuer and client id trimmed; the secret exactly as
 * given), or every problem with them. The setup page and the operator CLI use this one rule.
 */
export function checkConnectionSettings(typed: ConnectionSettings, env: Config['env']): { settings: ConnectionSettings } | { problems: SettingsProblem[] } {
  const settings = { issuer: typed.issuer.trim(), clientId: typed.clientId.trim(), clientSecret: typed.clientSecret };
  const problems = [
    { field: 'issuer' as const, message: issuerProblem(settings.issuer, env) },
    { field: 'clientId' as const, message: clientIdProblem(settings.clientId) },
    { field: 'clientSecret' as const, message: clientSecretProblem(settings.clientSecret) },
  ].filter((p): p is SettingsProblem => p.message !== undefined);
  return problems.length ? { problems } : { settings };
}
