import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import * as oidc from 'openid-client';
import postgres from 'postgres';
import { createApp } from '../api/app.ts';
import { sha256 } from '../auth/tokens.ts';
import { loadConfig } from '../config/index.ts';
import { createLogger } from '../config/logger.ts';
import { createSql } from '../db/client.ts';
import { sdkLogger } from '../worker/sdk-logger.ts';
import { TestBrowser } from './support/browser.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { startHarness, type TestHarness } from './support/temporal.ts';
import { testDataConverter } from './support/payload-keys.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, log: createLogger('info', stream) };
}

it('redacts secrets, tokens, codes and cookies from structured logs', () => {
  const { lines, log } = capture();
  log.info({ clientSecret: 'cs-1', token: 'tk-1', req: { headers: { cookie: 'session=abc', authorization: 'Bearer zz' } }, tokens: { id_token: 'idt', access_token: 'at' }, query: { code: 'auth-code' } }, 'x');
  const line = lines.join('');
  for (const secret of ['cs-1', 'tk-1', 'session=abc', 'Bearer zz', 'idt', '"at"', 'auth-code']) expect(line).not.toContain(secret);
  expect(line).toContain('[redacted]');
});

it('keeps the codes of errors: OAuth error codes and PostgreSQL SQLSTATEs', async () => {
  const { lines, log } = capture();
  log.warn({ err: Object.assign(new oidc.ClientError('unexpected JWT claim value encountered'), { code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' }) }, 'oauth');
  const sql = createSql(inject('databaseUrl'), { max: 1 });
  try {
    const duplicate = await sql
      .begin(async (tx) => {
        await tx`create temporary table once (id int primary key) on commit drop`;
        await tx`insert into once values (1), (1)`;
      })
      .catch((err: unknown) => err);
    expect(duplicate).toBeInstanceOf(postgres.PostgresError);
    log.error({ err: duplicate }, 'postgres');
  } finally {
    await sql.end({ timeout: 1 });
  }
  const [oauth, pg] = lines.map((l) => JSON.parse(l));
  expect(oauth.err.code).toBe('OAUTH_JWT_CLAIM_COMPARISON_FAILED');
  expect(pg.err.code).toBe('23505');
});

it('logs the error a Temporal SDK line carries under `error` with its type, message and stack, not as {}', () => {
  const { lines, log } = capture();
  log.warn({ activityType: 'sendReminderDigest', error: new TypeError('smtp down') }, 'Activity failed');
  const [entry] = lines.map((l) => JSON.parse(l));
  expect(entry.error).toMatchObject({ type: 'TypeError', message: 'smtp down' });
  expect(entry.error.stack).toContain('TypeError: smtp down');
});

it('redacts an OAuth code wherever it travels: query, params and form bodies, and URLs in any field or message', () => {
  const { lines, log } = capture();
  log.info({ query: { code: 'code-1', state: 'st' } }, 'query');
  log.info({ req: { query: { code: 'code-2' }, url: '/auth/acme/callback?state=st&code=code-3' } }, 'nested');
  log.info({ params: { code: 'code-4' }, body: { grant_type: 'authorization_code', code: 'code-5' } }, 'carriers');
  log.info({ parameters: { code: 'code-6' }, location: 'https://app.example/cb?code=code-7#x' }, 'url field');
  log.warn({ err: new Error('could not exchange https://idp.example/token?code=code-8&x=1') }, 'redirected to /cb?code=code-9');
  const output = lines.join('');
  for (let i = 1; i <= 9; i += 1) expect(output).not.toContain(`code-${i}`);
  expect(output).toContain('state=st&code=[redacted]');
  expect(output).toContain('"state":"st"');
});

it('logs each request with its id and path, never the query string', async () => {
  const { lines, log } = capture();
  const connection = Connection.lazy({ address: '127.0.0.1:1' });
  const sql = createSql('postgres://postgres@127.0.0.1:1/none', { max: 1 });
  const app = createApp({ config: loadConfig({ APP_ENV: 'test' }), sql, log, temporal: { connection, client: new Client({ connection, dataConverter: testDataConverter }) } });
  const res = await app.request('/auth/acme/callback?code=secret-code&state=secret-state', { headers: { 'x-request-id': 'req-123' } });
  expect(res.status).toBe(400);
  const entry = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'request');
  expect(entry).toMatchObject({ requestId: 'req-123', path: '/auth/acme/callback', status: 400 });
  expect(lines.join('')).not.toMatch(/secret-code|secret-state/);
  await connection.close();
  await sql.end({ timeout: 1 });
});

describe('a rejected sign-in names its cause in the log', () => {
  let h: TestHarness;
  let world: SsoWorld;
  beforeAll(async () => {
    h = await startHarness();
    world = await startSsoWorld(h, (domain) => [{ login: 'ada', email: `ada@${domain}`, email_verified: true, name: 'Ada' }]);
  });
  afterAll(async () => {
    await world?.stop();
    await h?.stop();
  });

  const attempt = (url: URL) => sha256(url.searchParams.get('state')!);
  const tamperings: [string, (url: URL) => Promise<unknown>, Record<string, unknown>][] = [
    [
      'another issuer in the response (mix-up)',
      async (url) => url.searchParams.set('iss', 'https://attacker.example'),
      { code: 'OAUTH_INVALID_RESPONSE', message: expect.stringContaining('unexpected "iss" (issuer) response parameter value') },
    ],
    [
      'the iss parameter stripped',
      async (url) => url.searchParams.delete('iss'),
      { code: 'OAUTH_INVALID_RESPONSE', message: expect.stringContaining('response parameter "iss" (issuer) missing') },
    ],
    [
      'an ID token for another attempt (nonce)',
      (url) => h.sql`update login_transactions set nonce = 'another-attempt' where state_hash = ${attempt(url)}`,
      { code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', message: expect.stringContaining('unexpected ID Token "nonce" claim value') },
    ],
    [
      'a wrong PKCE verifier',
      (url) => h.sql`update login_transactions set code_verifier = ${'x'.repeat(43)} where state_hash = ${attempt(url)}`,
      { code: 'OAUTH_RESPONSE_BODY_ERROR', status: 400, error: 'invalid_grant', error_description: 'grant request is invalid' },
    ],
  ];

  it.each(tamperings)('%s', async (_, tamper, cause) => {
    const browser = new TestBrowser();
    const paused = await world.signIn(browser, 'ada', { until: (url) => url.startsWith(`${world.appUrl}/auth/${world.org.slug}/callback`) });
    const url = new URL(paused.url);
    const code = url.searchParams.get('code')!;
    await tamper(url);
    const { lines, log } = capture();
    const app = createApp({ config: world.config, sql: h.sql, log, temporal: { client: h.client, connection: h.connection } });
    const cookie = [...browser.cookies(world.appUrl)].map(([k, v]) => `${k}=${v.value}`).join('; ');
    const res = await app.request(url.href, { headers: { cookie } });
    expect(res.status).toBe(400);

    const rejected = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'authorization response rejected');
    expect(rejected.err).toMatchObject(cause);
    expect(lines.join('')).not.toContain(code);
  });
});

it("logs the SDK's warning that a worker has no workflows as info (the mail worker has none by design), and its other warnings as warnings", () => {
  const { lines, log } = capture();
  const sdk = sdkLogger(log);
  sdk.warn('No workflows registered, not polling for workflow tasks', { taskQueue: 'provisioning-mail' });
  sdk.warn('Activity failed', { taskQueue: 'provisioning-mail' });
  expect(lines.map((line) => JSON.parse(line) as { level: number; msg: string }).map(({ level, msg }) => [msg, level])).toEqual([
    ['No workflows registered, not polling for workflow tasks', 30],
    ['Activity failed', 40],
  ]);
});
