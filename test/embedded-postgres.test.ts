import { connect } from 'node:net';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../dev/embedded-postgres.ts';
import { freePort } from '../dev/ports.ts';

let pg: EmbeddedPostgres;
beforeAll(async () => {
  pg = await startEmbeddedPostgres({ port: await freePort() });
});
afterAll(() => pg.stop());

it('gives every pooled connection its own results while many run extended-protocol queries, transactions and errors at once', async () => {
  const prepared = postgres(pg.url, { max: 5, onnotice: () => {} });
  const unnamed = postgres(pg.url, { max: 5, onnotice: () => {}, prepare: false });
  await prepared`create table counted (id int primary key)`;
  const queries = Array.from({ length: 240 }, (_, i) => {
    const sql = i % 2 ? prepared : unnamed;
    switch (i % 4) {
      case 0:
        return sql`select ${`text ${i}`}::text as v`.then(([row]) => row!.v);
      case 1:
        return sql`select ${i}::int * 2 as v, 'other shape' as w`.then(([row]) => row!.v / 2);
      case 2:
        return sql.begin(async (tx) => {
          await tx`insert into counted values (${i})`;
          const [row] = await tx`select id as v from counted where id = ${i}`;
          return row!.v;
        });
      default:
        return sql`select 1 / ${0}::int as v`.then(
          () => 'no error',
          (err: unknown) => (err instanceof postgres.PostgresError && err.code === '22012' ? i : 'wrong error'),
        );
    }
  });
  const results = await Promise.all(queries);
  expect(results).toEqual(results.map((_, i) => (i % 4 === 0 ? `text ${i}` : i)));
  const [{ count }] = (await prepared`select count(*)::int as count from counted`) as unknown as [{ count: number }];
  expect(count).toBe(60);
  await Promise.all([prepared.end(), unnamed.end()]);
}, 60_000);

/** A raw client: startup, one simple query, then gone without committing. */
function openTransactionAndVanish(port: number, statement: string): Promise<void> {
  const int32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    return b;
  };
  const startupBody = Buffer.concat([int32(196608), Buffer.from('user\0postgres\0database\0postgres\0\0')]);
  const startup = Buffer.concat([int32(startupBody.length + 4), startupBody]);
  const text = Buffer.from(`${statement}\0`);
  const query = Buffer.concat([Buffer.from('Q'), int32(text.length + 4), text]);
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(startup));
    let received = Buffer.alloc(0);
    let ready = 0;
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      // ReadyForQuery: 'Z', length 5, then the transaction status ('T': in a transaction).
      const count = received.toString('latin1').split('Z\0\0\0\x05').length - 1;
      if (count === ready) return;
      ready = count;
      if (ready === 1) socket.write(query);
      else {
        expect(received.toString('latin1').endsWith('Z\0\0\0\x05T')).toBe(true);
        socket.destroy();
        resolve();
      }
    });
  });
}

it('rolls back the transaction of a client that disconnects inside it, and serves the others again', async () => {
  const sql = postgres(pg.url, { max: 2, onnotice: () => {} });
  await sql`create table abandoned (id int)`;
  await openTransactionAndVanish(Number(new URL(pg.url).port), 'begin; insert into abandoned values (1)');
  await expect(sql`insert into abandoned values (2) returning id`).resolves.toEqual([{ id: 2 }]);
  expect(await sql`select id from abandoned`).toEqual([{ id: 2 }]);
  await sql.end();
}, 30_000);
