import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { createApp } from '../../api/app.ts';
import { loadConfig, type Config } from '../../config/index.ts';
import type { ApiMetrics } from '../../metrics/api-metrics.ts';
import { createLogger } from '../../config/logger.ts';
import { startOidcProvider, type IdpAccount, type RunningIdp } from '../../dev/oidc-provider.ts';
import { addDomain, configureSso, createOrg, type Org } from '../../operator/operations.ts';
import { TestBrowser, type Page } from './browser.ts';
import { uniqueSlug } from './fixtures.ts';
import type { TestHarness } from './temporal.ts';

export const CLIENT_ID = 'sso-app';
export const CLIENT_SECRET = 'test-client-secret';

export interface SsoWorld {
  org: Org;
  domain: string;
  idp: RunningIdp;
  config: Config;
  appUrl: string;
  /** Signs in at the IdP as `login`, following every redirect; stops before `until` if given. */
  signIn(browser: TestBrowser, login: string, options?: { start?: string; until?: (url: string) => boolean }): Promise<Page>;
  stop(): Promise<void>;
}

/** From `startUrl` through the dev IdP's login and consent forms as `login`, following every redirect; stops before `until` if given. */
export async function walkSignIn(browser: TestBrowser, appUrl: string, startUrl: string, login: string, until?: (url: string) => boolean): Promise<Page> {
  const loginPage = await browser.follow(startUrl);
  const consent = await browser.submit(loginPage, { login, password: 'any' }, until);
  if (until?.(consent.url) || consent.url.startsWith(appUrl)) return consent;
  return browser.submit(consent, {}, until);
}

/** A fresh organisation with a verified domain, its own real OpenID Provider, and the api served over HTTP. */
export async function startSsoWorld(h: TestHarness, accounts: (domain: string) => IdpAccount[], env: Record<string, string> = {}, metrics?: ApiMetrics): Promise<SsoWorld> {
  const slug = uniqueSlug('acme');
  const domain = `${slug}.test`;
  // Bound first, on a port the system picks: two test files can never race for the same one.
  const served: { app?: ReturnType<typeof createApp> } = {};
  const server: ServerType = await new Promise((resolve) => {
    // The node server's bindings (the client's socket) go along: the app reads the client address there.
    const fetch = (...args: Parameters<ReturnType<typeof createApp>['fetch']>) => served.app?.fetch(...args) ?? new Response('starting', { status: 503 });
    const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const appUrl = `http://localhost:${port}`;
  const config = loadConfig({
    APP_ENV: 'test',
    PUBLIC_URL: appUrl,
    TASK_QUEUE: h.taskQueue,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const idp = await startOidcProvider({
    accounts: accounts(domain),
    clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`${appUrl}/auth/${slug}/callback`] }],
  });
  const org = await createOrg(h.sql, { slug, name: `Acme ${slug}` });
  await addDomain(h.sql, { org: slug, domain });
  await configureSso(h.sql, config, { org: slug, issuer: idp.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, extraScopes: [] });

  served.app = createApp({ config, sql: h.sql, temporal: { client: h.client, connection: h.connection }, log: createLogger('silent'), ...(metrics ? { metrics } : {}) });

  return {
    org,
    domain,
    idp,
    config,
    appUrl,
    signIn: (browser, login, { start = `/auth/${slug}/login`, until } = {}) => walkSignIn(browser, appUrl, `${appUrl}${start}`, login, until),
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await idp.stop();
    },
  };
}
