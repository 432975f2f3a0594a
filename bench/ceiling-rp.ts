/**
 * The ceiling's relying party and OpenID Provider, a process of their own as the api is (started
 * by bench/ceiling.ts): the least a first sign-in provisioned through Temporal can do. The
 * authorization request and the code exchange are the api's own code (auth/); the attempt is kept
 * in memory instead of PostgreSQL; no session is made; the account is made by one floor workflow
 * (the provisioning transaction as one local activity, run by the bench's floor worker).
 * Environment: PORT, DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and the target's own
 * (PAYLOAD_KEYS for its Temporal client).
 */
import { createServer } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { authorizationUrl, exchangeCode, newAttempt } from '../auth/authorization.ts';
import { discover } from '../auth/oidc.ts';
import { loadConfig } from '../config/index.ts';
import { createSql } from '../db/client.ts';
import { startOidcProvider } from '../dev/oidc-provider.ts';
import { dataConverter } from '../temporal/data-converter.ts';
import { insertSsoOrg, uniqueSlug } from '../test/support/fixtures.ts';
import { CLIENT_ID, CLIENT_SECRET } from '../test/support/sso.ts';
import { FLOOR_TASK_QUEUE } from './floor.ts';
import { oneLocalActivityWorkflow } from './floor-workflows.ts';

interface Answer {
  status: number;
  location?: string;
  body?: string;
}

const env = (name: string) => process.env[name] ?? (() => { throw new Error(`${name} is not set`); })();
const rpUrl = `http://localhost:${env('PORT')}`;
const redirectUri = new URL('/callback', rpUrl);

const sql = createSql(env('DATABASE_URL'));
const connection = await Connection.connect({ address: env('TEMPORAL_ADDRESS') });
const client = new Client({ connection, namespace: env('TEMPORAL_NAMESPACE'), dataConverter: dataConverter(loadConfig(process.env).payloadKeys) });
const { org, signIn } = await insertSsoOrg(sql, uniqueSlug('ceiling'));
const idp = await startOidcProvider({ accounts: [], clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [redirectUri.href] }] });
const configuration = await discover({ issuer: idp.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }, 'test');
const attempts = new Map<string, { nonce: string; codeVerifier: string }>();

async function answer(url: URL): Promise<Answer> {
  if (url.pathname === '/readyz') return { status: 200 };
  if (url.pathname === '/login') {
    // Any person the bench names signs in at this IdP.
    const person = url.searchParams.get('person') ?? '';
    idp.accounts.set(person, { login: person, email: `${person}@ceiling.test`, email_verified: true, name: person });
    const { state, ...secrets } = newAttempt();
    attempts.set(state, secrets);
    return { status: 302, location: (await authorizationUrl(configuration, { redirectUri, state, ...secrets })).href };
  }
  const state = url.searchParams.get('state') ?? '';
  const secrets = attempts.get(state);
  if (url.pathname !== '/callback' || !secrets) return { status: 400, body: 'no such attempt' };
  attempts.delete(state);
  const claims = await exchangeCode(configuration, { redirectUri, query: url.searchParams, state, tx: { connectionId: 'bench', ...secrets } });
  const { outcome } = await client.workflow.execute(oneLocalActivityWorkflow, { taskQueue: FLOOR_TASK_QUEUE, workflowId: `ceiling/${org.slug}/${claims.sub}`, args: [signIn(claims.sub)] });
  // Every person signs in once: anything but a new account means the ceiling did not do a first sign-in's work.
  if (outcome !== 'created') return { status: 500, body: `provisioning answered ${outcome}` };
  return { status: 302, location: '/done' };
}

const server = createServer((req, res) => {
  answer(new URL(req.url ?? '/', rpUrl))
    .catch((err: unknown): Answer => ({ status: 500, body: (err as Error).message }))
    .then(({ status, location, body }) => res.writeHead(status, location ? { location } : {}).end(body));
});
server.listen(Number(env('PORT')), '127.0.0.1');

process.once('SIGINT', () => {
  server.close();
  void Promise.all([idp.stop(), connection.close(), sql.end()]).then(() => process.exit(0));
});
