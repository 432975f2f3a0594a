import postgres from 'postgres';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createSql, type Sql } from '../db/client.ts';

// A session PostgreSQL ends while a statement runs on it (a restart, a failover, pg_terminate_backend)
// must not fail a later statement once the server is back: postgres.js replays the ended session's
// error onto its connection's next statement (porsager/postgres#1223; the cluster scenario saw a
// sign-in answer 503 a minute after PostgreSQL had recovered).
let admin: Sql;
beforeAll(() => {
  admin = createSql(inject('databaseUrl'), { max: 1 });
});
afterAll(() => admin.end({ timeout: 1 }));

/** Ends the only session of `sql`'s pool while `running` runs on it; resolves to what `running` gave. */
async function endSessionDuring(sql: Sql, running: () => Promise<unknown>) {
  const [{ pid }]: [{ pid: number }] = await sql`select pg_backend_pid() as pid`;
  const inFlight = running().catch((err: unknown) => err);
  for (let seen = false; !seen; ) {
    [{ seen }] = await admin<[{ seen: boolean }]>`select exists (select 1 from pg_stat_activity where pid = ${pid} and state = 'active') as seen`;
  }
  await admin`select pg_terminate_backend(${pid})`;
  return inFlight;
}

it('the statement after a session ended mid-statement runs on a fresh session instead of failing with the old error', async () => {
  const sql = createSql(inject('databaseUrl'), { max: 1 });
  try {
    const interrupted = await endSessionDuring(sql, () => sql`select pg_sleep(5)`);
    expect(interrupted).toMatchObject({ code: 'CONNECTION_CLOSED' });
    const [row]: [{ one: number }] = await sql`select 1 as one`;
    expect(row.one).toBe(1);
  } finally {
    await sql.end({ timeout: 1 });
  }
});

it('a transaction after a session ended mid-statement runs once, with its body', async () => {
  const sql = createSql(inject('databaseUrl'), { max: 1 });
  try {
    await endSessionDuring(sql, () => sql`select pg_sleep(5)`);
    let bodies = 0;
    const result = await sql.begin(async (tx) => {
      bodies++;
      const [row]: [{ two: number }] = await tx`select 2 as two`;
      return row.two;
    });
    expect({ result, bodies }).toEqual({ result: 2, bodies: 1 });
  } finally {
    await sql.end({ timeout: 1 });
  }
});

it('a pool without the retry shows the replayed error (the client behaviour the retry is for)', async () => {
  const sql = postgres(inject('databaseUrl'), { max: 1, onnotice: () => {} });
  try {
    await endSessionDuring(sql, () => sql`select pg_sleep(5)`);
    await expect(sql`select 1`).rejects.toMatchObject({ code: '57P01' });
  } finally {
    await sql.end({ timeout: 1 });
  }
});

it('other failures are not run again', async () => {
  const sql = createSql(inject('databaseUrl'), { max: 1 });
  try {
    await sql`create temporary table runs (n int)`;
    await expect(sql`insert into runs select 1 / (select count(*)::int from runs where n = 2)`).rejects.toMatchObject({ code: '22012' });
    const [{ count }]: [{ count: number }] = await sql`select count(*)::int as count from runs`;
    expect(count).toBe(0);
    let bodies = 0;
    await expect(sql.begin(async (tx) => { bodies++; await tx`select 1 / 0`; })).rejects.toMatchObject({ code: '22012' });
    expect(bodies).toBe(1);
  } finally {
    await sql.end({ timeout: 1 });
  }
});
