import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createSql, type Sql } from '../db/client.ts';
import { retryingTransientConflicts } from '../db/transient-conflicts.ts';

let sql: Sql;
const table = `deadlock_probe_${randomBytes(4).toString('hex')}`;
beforeAll(async () => {
  sql = createSql(inject('databaseUrl'), { max: 4 });
  await sql`create table ${sql(table)} (id int primary key, n int not null default 0)`;
});
afterAll(async () => {
  await sql`drop table if exists ${sql(table)}`;
  await sql.end({ timeout: 5 });
});

/**
 * Two transactions that each lock one row, wait until the other has locked its row, then want it:
 * PostgreSQL aborts one of them (40P01). Returns each transaction's attempts.
 */
async function crossing(run: (transaction: () => Promise<void>) => Promise<void>) {
  await sql`insert into ${sql(table)} (id) values (1), (2) on conflict (id) do update set n = 0`;
  let arrived = 0;
  let bothLocked!: () => void;
  const locked = new Promise<void>((resolve) => (bothLocked = resolve));
  const attempts = [0, 0];
  const transaction = (first: number, second: number) => () =>
    sql.begin(async (tx) => {
      attempts[first - 1]!++;
      await tx`update ${sql(table)} set n = n + 1 where id = ${first}`;
      if (++arrived === 2) bothLocked();
      await locked;
      await tx`update ${sql(table)} set n = n + 1 where id = ${second}`;
    }) as Promise<void>;
  const outcomes = await Promise.allSettled([run(transaction(1, 2)), run(transaction(2, 1))]);
  return { outcomes, attempts };
}

it('a transaction aborted as a deadlock victim is run again and commits, and the rows show both', { timeout: 30_000 }, async () => {
  const bare = await crossing((transaction) => transaction());
  const failures = bare.outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason.code);
  expect(failures).toEqual(['40P01']);

  const retried = await crossing((transaction) => retryingTransientConflicts(transaction));
  expect(retried.outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
  expect(retried.attempts.reduce((a, b) => a + b)).toBe(3);
  expect(await sql`select id, n from ${sql(table)} order by id`).toEqual([
    { id: 1, n: 2 },
    { id: 2, n: 2 },
  ]);
});

const raising = (errcode: string) => sql.unsafe(`do $$ begin raise exception 'probe' using errcode = '${errcode}'; end $$`);

it('gives up after the attempts it was given with the failure as it came, and never retries other failures', async () => {
  let runs = 0;
  const serializationFailure = retryingTransientConflicts(() => (runs++, raising('serialization_failure')), { attempts: 3, pauseMs: 1 });
  await expect(serializationFailure).rejects.toMatchObject({ code: '40001' });
  expect(runs).toBe(3);

  runs = 0;
  await expect(retryingTransientConflicts(() => (runs++, raising('unique_violation')))).rejects.toMatchObject({ code: '23505' });
  expect(runs).toBe(1);
});
