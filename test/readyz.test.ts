import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createApp } from '../api/app.ts';
import { checkTemporal, closeTemporal } from '../api/temporal.ts';
import { loadConfig } from '../config/index.ts';
import { createLogger } from '../config/logger.ts';
import { createSql, type Sql } from '../db/client.ts';
import { withTimeout } from '../domain/timeout.ts';
import { freePort } from '../dev/ports.ts';
import { testDataConverter } from './support/payload-keys.ts';

const config = loadConfig({ APP_ENV: 'test' });
const log = createLogger('silent');
const closers: (() => Promise<unknown>)[] = [];

function temporalAt(address: string) {
  const connection = Connection.lazy({ address, connectTimeout: 500 });
  closers.push(() => closeTemporal(connection));
  return { connection, client: new Client({ connection, dataConverter: testDataConverter }) };
}

function sqlAt(url: string): Sql {
  const sql = createSql(url, { max: 1, connect_timeout: 1 });
  closers.push(() => sql.end({ timeout: 1 }));
  return sql;
}

let deadPostgres: string;
let deadTemporal: string;
beforeAll(async () => {
  deadPostgres = `postgres://postgres@127.0.0.1:${await freePort()}/nothing`;
  deadTemporal = `127.0.0.1:${await freePort()}`;
});
afterAll(async () => {
  await Promise.allSettled(closers.map((close) => close()));
});

describe('health endpoints', () => {
  it('/healthz answers while dependencies are down', async () => {
    const app = createApp({ config, log, sql: sqlAt(deadPostgres), temporal: temporalAt(deadTemporal) });
    const res = await app.request('/healthz');
    expect(res.status).toBe(200);
  });

  it('/readyz is 200 when PostgreSQL and Temporal answer', async () => {
    const app = createApp({ config, log, sql: sqlAt(inject('databaseUrl')), temporal: temporalAt(inject('temporalAddress')) });
    const res = await app.request('/readyz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', checks: { postgres: 'up', temporal: 'up' } });
  });

  it('/readyz is 503 naming PostgreSQL when it is down', async () => {
    const app = createApp({ config, log, sql: sqlAt(deadPostgres), temporal: temporalAt(inject('temporalAddress')) });
    const res = await app.request('/readyz');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'unavailable', down: ['postgres'] });
  });

  it('/readyz is 503 naming PostgreSQL while every pooled connection is held, and 200 once one frees', async () => {
    const sql = createSql(inject('databaseUrl'), { max: 2 });
    closers.push(() => sql.end({ timeout: 1 }));
    const app = createApp({ config, log, sql, temporal: temporalAt(inject('temporalAddress')) });
    const held = [await sql.reserve(), await sql.reserve()];
    const res = await app.request('/readyz');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'unavailable', down: ['postgres'] });
    held[0]!.release();
    expect((await app.request('/readyz')).status).toBe(200);
    held[1]!.release();
  });

  it('/readyz is 503 naming Temporal when it is down', async () => {
    const app = createApp({ config, log, sql: sqlAt(inject('databaseUrl')), temporal: temporalAt(deadTemporal) });
    const res = await app.request('/readyz');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'unavailable', down: ['temporal'] });
  });

  it('/readyz is 503 saying it shuts down while draining, and every answer closes its connection', async () => {
    const app = createApp({ config, log, sql: sqlAt(inject('databaseUrl')), temporal: temporalAt(inject('temporalAddress')), draining: () => true });
    const res = await app.request('/readyz');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'draining', message: expect.stringContaining('shutting down') });
    expect(res.headers.get('connection')).toBe('close');
    expect((await app.request('/healthz')).headers.get('connection')).toBe('close');
  });

  it('closes its Temporal connection after a timed-out check of an unreachable Temporal without a retry firing on the closed channel', async () => {
    // Before closeTemporal, the check's pending retry threw "Channel has been shut down" from a timer.
    const connection = Connection.lazy({ address: deadTemporal, connectTimeout: 500 });
    await expect(withTimeout(checkTemporal(connection), 200, () => new Error('gave up'))).rejects.toThrow('gave up');
    await closeTemporal(connection);
    await sleep(1_000);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const app = createApp({ config, log, sql: sqlAt(deadPostgres), temporal: temporalAt(deadTemporal) });
    const res = await app.request('/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
  });
});
