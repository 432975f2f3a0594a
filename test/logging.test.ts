import { Writable } from 'node:stream';
import { expect, it } from 'vitest';
import { createApp } from '../api/app.ts';
import { loadConfig } from '../config/index.ts';
import { createLogger } from '../config/logger.ts';
import { createSql } from '../db/client.ts';
import { Client, Connection } from '@temporalio/client';

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
  log.info({ clientSecret: 'cs-1', token: 'tk-1', req: { headers: { cookie: 'session=abc', authorization: 'Bearer zz' } }, tokens: { id_token: 'idt', access_token: 'at' }, code: 'auth-code' }, 'x');
  const line = lines.join('');
  for (const secret of ['cs-1', 'tk-1', 'session=abc', 'Bearer zz', 'idt', '"at"', 'auth-code']) expect(line).not.toContain(secret);
  expect(line).toContain('[redacted]');
});

it('logs each request with its id and path, never the query string', async () => {
  const { lines, log } = capture();
  const connection = Connection.lazy({ address: '127.0.0.1:1' });
  const sql = createSql('postgres://postgres@127.0.0.1:1/none', { max: 1 });
  const app = createApp({ config: loadConfig({ APP_ENV: 'test' }), sql, log, temporal: { connection, client: new Client({ connection }) } });
  const res = await app.request('/auth/acme/callback?code=secret-code&state=secret-state', { headers: { 'x-request-id': 'req-123' } });
  expect(res.status).toBe(400);
  const entry = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'request');
  expect(entry).toMatchObject({ requestId: 'req-123', path: '/auth/acme/callback', status: 400 });
  expect(lines.join('')).not.toMatch(/secret-code|secret-state/);
  await connection.close();
  await sql.end({ timeout: 1 });
});
