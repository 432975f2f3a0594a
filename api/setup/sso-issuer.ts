import type { Configuration } from 'openid-client';
import type { ConnectionSettings } from '../../auth/oidc.ts';
import { discover, IssuerError } from '../../auth/oidc.ts';
import { decryptSecret } from '../../auth/tokens.ts';
import type { Config } from '../../config/index.ts';
import type { SsoDraft } from '../../db/sso-drafts.ts';

/** A person is waiting on the page: discovery gets a few seconds, not the sign-in's ten. */
const SETUP_DISCOVERY_TIMEOUT_SECONDS = 5;

const documentUrl = (issuer: string) => `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;

/** Why an issuer cannot be used, worded for the IT contact who typed it, with what to check. */
function issuerRefusal(err: IssuerError, issuer: string): string {
  switch (err.problem) {
    case 'insecure':
      return 'The issuer must use https://.';
    case 'unreachable':
      return `We could not connect to ${issuer}: the name does not resolve, the connection was refused, or its TLS certificate is not valid. Check the issuer URL.`;
    case 'timeout':
      return `${issuer} did not answer within ${SETUP_DISCOVERY_TIMEOUT_SECONDS} seconds. Check the issuer URL, or try again if your identity provider is slow right now.`;
    case 'not_openid_provider':
      return `${documentUrl(issuer)} is not an OpenID Provider's discovery document (JSON naming the issuer and its authorization and token endpoints). Check the issuer URL: it is what your identity provider calls its issuer, such as https://your-org.okta.com or https://login.microsoftonline.com/{tenant id}/v2.0.`;
    case 'other_issuer':
      return `The discovery document at ${documentUrl(issuer)} names another issuer${err.namedIssuer ? `, ${err.namedIssuer}` : ''}. The issuer you type must equal the document's "issuer" exactly (openid-client checks this, against mix-up attacks)${err.namedIssuer ? `: type ${err.namedIssuer} if that is your identity provider` : ''}.`;
    case 'unsafe_endpoint':
      return `The discovery document at ${documentUrl(issuer)} sends sign-ins to an address that is not https on a domain name (an IP address or localhost). An identity provider reachable from the internet names its endpoints by domain; check the issuer URL.`;
    case 'internal_address':
      return `We did not connect to ${issuer}: its name resolves to an internal address (this server's own network, not the internet). An identity provider must be reachable on the internet; check the issuer URL.`;
    default: {
      const _exhaustive: never = err.problem;
      return String(_exhaustive);
    }
  }
}

/** Discovery for the setup pages: bounded, and every failure as words for the page. */
export async function discoverForSetup(settings: ConnectionSettings, env: Config['env']): Promise<Configuration | { refusal: string }> {
  try {
    return await discover(settings, env, { timeoutSeconds: SETUP_DISCOVERY_TIMEOUT_SECONDS });
  } catch (err) {
    if (err instanceof IssuerError) return { refusal: issuerRefusal(err, settings.issuer) };
    throw err;
  }
}

/** Discovery with a saved draft's settings, its secret decrypted for the client (a test sign-in's start and its callback). */
export const discoverDraft = (config: Config, draft: Pick<SsoDraft, 'issuer' | 'clientId' | 'sealedSecret'>) =>
  discoverForSetup({ issuer: draft.issuer, clientId: draft.clientId, clientSecret: decryptSecret(config.encryptionKey, draft.sealedSecret) }, config.env);
