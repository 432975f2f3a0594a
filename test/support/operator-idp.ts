/**
 * A real OpenID Provider (oidc-provider) on loopback standing in for the operators' IdP: it issues
 * RFC 9068 JWT access tokens for a resource (the codec server's audience) through the client
 * credentials grant, with each client's `groups` claim, as the Temporal UI's IdP would for a
 * signed-in operator.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { Server } from 'node:http';
import Provider, { type Configuration } from 'oidc-provider';
import { freePort } from '../../dev/ports.ts';

export const CODEC_AUDIENCE = 'https://codec.test';
export const OTHER_AUDIENCE = 'https://other-api.test';
export const OPERATORS_GROUP = 'temporal-operators';

/** Client id => the groups its tokens carry. `short-lived` tokens expire after a second. */
const CLIENT_GROUPS: Record<string, string[]> = {
  'operator-console': [OPERATORS_GROUP],
  'staff-portal': ['staff'],
  'short-lived': [OPERATORS_GROUP],
};
export type IdpClientId = keyof typeof CLIENT_GROUPS;

const SECRET = 'operator-idp-client-secret';
const KEY_ID = 'operator-signing-key';

export interface OperatorIdp {
  issuer: string;
  /** A real access token from the token endpoint (client credentials grant). */
  accessToken(clientId: IdpClientId, options?: { resource?: string; scope?: string }): Promise<string>;
  stop(): Promise<void>;
}

/**
 * `claimIssuer`: the `iss` this provider writes, if not its own address. An impostor claiming the
 * real issuer, with a key under the same `kid`, makes tokens that only the signature check refuses.
 */
export async function startOperatorIdp({ claimIssuer }: { claimIssuer?: string } = {}): Promise<OperatorIdp> {
  const port = await freePort();
  const address = `http://127.0.0.1:${port}`;
  const signingKey = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), kid: KEY_ID, alg: 'ES256', use: 'sig' };
  const configuration: Configuration = {
    clients: Object.keys(CLIENT_GROUPS).map((client_id) => ({
      client_id,
      client_secret: SECRET,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'codec:decode',
    })),
    scopes: ['openid', 'codec:decode'],
    // Access tokens are signed with the clients' default ID token algorithm.
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    jwks: { keys: [signingKey] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => CODEC_AUDIENCE,
        getResourceServerInfo: (_ctx, resource, client) => ({
          audience: resource,
          scope: 'codec:decode',
          accessTokenFormat: 'jwt',
          accessTokenTTL: client.clientId === 'short-lived' ? 1 : 300,
        }),
      },
    },
    extraTokenClaims: (_ctx, token) => ({ groups: CLIENT_GROUPS[(token as { clientId: string }).clientId] ?? [] }),
  };
  const provider = new Provider(claimIssuer ?? address, configuration);
  const server: Server = await new Promise((resolve) => {
    const s = provider.listen(port, '127.0.0.1', () => resolve(s));
  });
  return {
    issuer: address,
    async accessToken(clientId, { resource = CODEC_AUDIENCE, scope = 'codec:decode' } = {}) {
      const res = await fetch(`${address}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${clientId}:${SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource, ...(scope ? { scope } : {}) }),
      });
      const body = (await res.json()) as { access_token?: string };
      if (!res.ok || !body.access_token) throw new Error(`token endpoint answered ${res.status}: ${JSON.stringify(body)}`);
      return body.access_token;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
