import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createApp } from '../api/app.ts';
import { sessionCookieName } from '../auth/sessions.ts';
import { loadConfig } from '../config/index.ts';
import { createLogger } from '../config/logger.ts';
import { createSql, type Sql } from '../db/client.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { freePort } from '../dev/ports.ts';
import { testDataConverter } from './support/payload-keys.ts';

// A PostgreSQL restart or failover is an outage to wait out (503, Retry-After), not a bug (500):
// clients, load balancers and directories retry a 503 (the cluster scenario saw 500s).
const config = loadConfig({ APP_ENV: 'test' });
let dead: Sql;
let connection: Connection;
let app: ReturnType<typeof createApp>;
beforeAll(async () => {
  dead = createSql(`postgres://postgres@127.0.0.1:${await freePort()}/nothing`, { max: 1, connect_timeout: 1 });
  connection = Connection.lazy({ address: inject('temporalAddress') });
  app = createApp({ config, sql: dead, temporal: { connection, client: new Client({ connection, dataConverter: testDataConverter }) }, log: createLogger('silent') });
});
afterAll(async () => {
  await dead?.end({ timeout: 1 });
  await connection?.close();
});

it('a sign-in start answers 503 with Retry-After while PostgreSQL is out of reach, as a page and as JSON', async () => {
  const asPage = await app.request(`${config.publicUrl.origin}/auth/acme/login`, { headers: { accept: 'text/html' } });
  expect(asPage.status).toBe(503);
  expect(asPage.headers.get('retry-after')).toBe('30');
  expect(await asPage.text()).toContain('try again in a minute');
  const asJson = await app.request(`${config.publicUrl.origin}/auth/acme/login`);
  expect(asJson.status).toBe(503);
  expect(await asJson.json()).toMatchObject({ error: 'temporarily_unavailable' });
});

it('a signed-in request answers 503 while its session cannot be looked up', async () => {
  const res = await app.request('/api/me', { headers: { cookie: `${sessionCookieName(config)}=${'a'.repeat(43)}` } });
  expect(res.status).toBe(503);
});

it('SCIM answers an RFC 7644 503 while the token cannot be looked up, so the directory retries', async () => {
  const res = await app.request('/scim/v2/Users', { headers: { authorization: `Bearer scim_${'x'.repeat(40)}` } });
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('30');
  expect(await res.json()).toMatchObject({ status: '503', detail: expect.stringContaining('repeat the request') });
});

it('tells a connection the server ended (57P01, as at a shutdown) or a statement timeout from a failing statement', async () => {
  const sql = createSql(inject('databaseUrl'), { max: 1 });
  try {
    const broken = await sql`select * from no_such_table`.catch((err: unknown) => err);
    expect(isDatabaseUnavailable(broken)).toBe(false);
    const slow = await sql.begin(async (tx) => {
      await tx`set local statement_timeout = 50`;
      return tx`select pg_sleep(1)`;
    }).catch((err: unknown) => err);
    expect(isDatabaseUnavailable(slow)).toBe(true);
    const ended = await sql`select pg_terminate_backend(pg_backend_pid())`.catch((err: unknown) => err);
    expect(isDatabaseUnavailable(ended)).toBe(true);
  } finally {
    await sql.end({ timeout: 1 });
  }
});
