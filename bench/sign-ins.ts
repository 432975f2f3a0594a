/**
 * First sign-ins through the whole browser flow: the api's start, a real OpenID Provider's login
 * and consent, and the callback, which provisions the member through Temporal. Only the callback
 * is timed (that is where the account is made); the flow around it is the load a browser brings.
 */
import { loadConfig } from '../config/index.ts';
import type { Sql } from '../db/client.ts';
import { startOidcProvider, type RunningIdp } from '../dev/oidc-provider.ts';
import { addDomain, configureSso, createOrg } from '../operator/operations.ts';
import { TestBrowser } from '../test/support/browser.ts';
import { CLIENT_ID, CLIENT_SECRET, walkSignIn } from '../test/support/sso.ts';
import type { Target } from './target.ts';

export interface SignInOrg {
  slug: string;
  idp: RunningIdp;
  /** One first sign-in of a new person; resolves to the callback's milliseconds, throws unless it made a session. */
  signIn(person: string): Promise<number>;
}

/** An organisation with its own IdP (any login is a person on its verified domain), configured through the operator code. */
export async function startSignInOrg(sql: Sql, target: Target, slug: string): Promise<SignInOrg> {
  const domain = `${slug}.test`;
  const idp = await startOidcProvider({
    accounts: [],
    clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`${target.apiUrl}/auth/${slug}/callback`] }],
  });
  await createOrg(sql, { slug, name: `Bench ${slug}` });
  await addDomain(sql, { org: slug, domain });
  await configureSso(sql, loadConfig(target.env), { org: slug, issuer: idp.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, extraScopes: [] });
  const isCallback = (url: string) => url.startsWith(`${target.apiUrl}/auth/${slug}/callback`);

  return {
    slug,
    idp,
    async signIn(person) {
      idp.accounts.set(person, { login: person, email: `${person}@${domain}`, email_verified: true, name: person });
      const browser = new TestBrowser();
      const atCallback = await walkSignIn(browser, target.apiUrl, `${target.apiUrl}/auth/${slug}/login`, person, isCallback);
      if (!isCallback(atCallback.url)) throw new Error(`${person}: the flow ended at ${atCallback.url} (${atCallback.status}): ${atCallback.body.slice(0, 200)}`);
      const started = performance.now();
      const callback = await browser.request(atCallback.url);
      const took = performance.now() - started;
      if (callback.status !== 302 || callback.headers.get('location') !== '/api/me') {
        throw new Error(`${person}: callback answered ${callback.status}: ${callback.body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').slice(0, 300)}`);
      }
      return took;
    },
  };
}
