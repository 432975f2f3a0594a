/**
 * A real OpenID Provider (oidc-provider) on loopback, for `npm run dev` and the tests. Its
 * accounts are mutable so tests can change a profile "at the IdP". Never part of production.
 */
import type { Server } from 'node:http';
import Provider, { type Configuration } from 'oidc-provider';
import type { Middleware } from 'koa';
import { freePort } from './ports.ts';

export interface IdpAccount {
  /** What the person types into the dev login form (the account's email works too); also the `sub`. */
  login: string;
  email?: string;
  email_verified?: boolean;
  xms_edov?: boolean;
  name?: string;
  /** Claims an IdP may send that must never grant privileges here. */
  groups?: string[];
  roles?: string[];
}

export interface IdpClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

export interface RunningIdp {
  issuer: string;
  accounts: Map<string, IdpAccount>;
  provider: Provider;
  stop(): Promise<void>;
}

const MAX_FORM_BYTES = 56 * 1024;

/**
 * The dev login form is prefilled with the login_hint, an email address, while the provider takes
 * what is typed as the account id (and the `sub`). A login form submission naming an account's
 * email (any case, spaces around) is rewritten to that account's login before the provider reads
 * it, so keeping the prefilled address signs in instead of ending on the provider's error page.
 */
function loginByEmailToo(accounts: Map<string, IdpAccount>): Middleware {
  return async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.path.startsWith('/interaction/') && ctx.is('application/x-www-form-urlencoded')) {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of ctx.req) {
        size += (chunk as Buffer).length;
        // The provider's own reader stops at 56 KiB; this one reads in its place, so it stops too.
        if (size > MAX_FORM_BYTES) ctx.throw(413, 'login form too large');
        chunks.push(chunk as Buffer);
      }
      const body = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const typed = body.login?.trim().toLowerCase();
      const account = typed ? [...accounts.values()].find((a) => a.email?.toLowerCase() === typed) : undefined;
      if (body.prompt === 'login' && body.login !== undefined && !accounts.has(body.login) && account) body.login = account.login;
      // The provider reads an already-parsed body from here (its selective_body fallback).
      Object.assign(ctx.req, { body });
    }
    await next();
  };
}

export async function startOidcProvider(options: {
  accounts: IdpAccount[];
  clients: IdpClient[];
  port?: number;
}): Promise<RunningIdp> {
  const port = options.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  const accounts = new Map(options.accounts.map((a) => [a.login, { ...a }]));
  const configuration: Configuration = {
    clients: options.clients.map((c) => ({ ...c, grant_types: ['authorization_code'], response_types: ['code'] })),
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified', 'xms_edov'],
      profile: ['name', 'groups', 'roles'],
    },
    // Put scope-requested claims into the ID token, as Okta and Entra do for `email profile`.
    conformIdTokenClaims: false,
    async findAccount(_ctx, id) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          const { login, ...claims } = accounts.get(id) ?? account;
          return { sub: login, ...claims };
        },
      };
    },
    cookies: { keys: ['dev-idp-cookie-key-not-secret'] },
    pkce: { required: () => true },
  };
  const provider = new Provider(issuer, configuration);
  provider.use(loginByEmailToo(accounts));
  const server: Server = await new Promise((resolve) => {
    const s = provider.listen(port, '127.0.0.1', () => resolve(s));
  });
  return {
    issuer,
    accounts,
    provider,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
