import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createSql, type Sql } from '../db/client.ts';

// A statement run once more after a replayed 57P01 must come back in the shape it was asked
// for: the modifiers of postgres.js queries (.values(), .raw(), .forEach(), .simple()) are state on
// the query object, and the retry (db/terminated-sessions.ts) builds a new query, so it repeats those calls.
let admin: Sql;
beforeAll(() => {
  admin = createSql(inject('databaseUrl'), { max: 1 });
});
afterAll(() => admin.end({ timeout: 1 }));

/** Ends the only session of `sql`'s pool while a statement runs on it, so its next statement gets the replayed error. */
async function poisonPool(sql: Sql) {
  const [{ pid }]: [{ pid: number }] = await sql`select pg_backend_pid() as pid`;
  const inFlight = sql`select pg_sleep(5)`.catch((err: unknown) => err);
  for (let seen = false; !seen; ) {
    [{ seen }] = await admin<[{ seen: boolean }]>`select exists (select 1 from pg_stat_activity where pid = ${pid} and state = 'active') as seen`;
  }
  await admin`select pg_terminate_backend(${pid})`;
  expect(await inFlight).toMatchObject({ code: 'CONNECTION_CLOSED' });
}

async function withPoisonedPool(run: (sql: Sql) => Promise<void>) {
  const sql = createSql(inject('databaseUrl'), { max: 1 });
  try {
    await poisonPool(sql);
    await run(sql);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

it('.values() after a replayed session end still answers rows as arrays', () =>
  withPoisonedPool(async (sql) => {
    expect(Array.from(await sql`select 1 as one`.values())).toEqual([[1]]);
  }));

it('.forEach() after a replayed session end still calls its callback for each row', () =>
  withPoisonedPool(async (sql) => {
    const seen: number[] = [];
    await sql`select generate_series(1, 3) as n`.forEach((row) => void seen.push((row as { n: number }).n));
    expect(seen).toEqual([1, 2, 3]);
  }));

it('.simple() after a replayed session end still runs several statements', () =>
  withPoisonedPool(async (sql) => {
    const results = await sql`select 1 as one; select 2 as two`.simple();
    expect(results).toHaveLength(2);
  }));

it('a transaction with options after a replayed session end runs once, with its options and savepoints', () =>
  withPoisonedPool(async (sql) => {
    let bodies = 0;
    const answer = await sql.begin('read only', async (tx) => {
      bodies++;
      const [{ readOnly }]: [{ readOnly: string }] = await tx`select current_setting('transaction_read_only') as "readOnly"`;
      const inner = await tx.savepoint(async (sp) => (await sp`select 3 as three`)[0]);
      return { readOnly, inner };
    });
    expect({ answer, bodies }).toEqual({ answer: { readOnly: 'on', inner: { three: 3 } }, bodies: 1 });
  }));

it('a statement with json, array and fragment arguments after a replayed session end answers as asked', () =>
  withPoisonedPool(async (sql) => {
    const fragment = sql`${sql.json({ a: [1, 2] })}::jsonb`;
    const [row]: [{ doc: unknown; ids: string[] }] = await sql`select ${fragment} as doc, ${['x', 'y']}::text[] as ids`;
    expect(row).toEqual({ doc: { a: [1, 2] }, ids: ['x', 'y'] });
  }));
