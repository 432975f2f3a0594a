import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createSql, SESSION_LIMITS } from '../db/client.ts';

const sql = createSql(inject('databaseUrl'), { max: 2 });
// Not the service's client: a session without its limits, holding a lock as long as it likes.
const other = postgres(inject('databaseUrl'), { max: 1, onnotice: () => {} });
afterAll(async () => {
  await Promise.all([sql.end({ timeout: 1 }), other.end({ timeout: 1 })]);
});

describe("the service's PostgreSQL sessions", () => {
  it('carry the statement, lock and idle-in-transaction timeouts', async () => {
    const [settings] = await sql`
      select current_setting('statement_timeout') as statement, current_setting('lock_timeout') as lock,
             current_setting('idle_in_transaction_session_timeout') as idle`;
    const ms = (value: number) => `${value / 1_000}s`;
    expect(settings).toEqual({ statement: ms(SESSION_LIMITS.statement_timeout), lock: ms(SESSION_LIMITS.lock_timeout), idle: ms(SESSION_LIMITS.idle_in_transaction_session_timeout) });
  });

  it('give up waiting for a row lock held elsewhere (55P03) instead of waiting for ever', async () => {
    const [org] = await sql<{ id: string }[]>`insert into organisations (slug, name) values (${`locked-${Date.now()}`}, 'Locked') returning id`;
    let release!: () => void;
    const holding = other.begin(async (tx) => {
      await tx`select 1 from organisations where id = ${org!.id} for update`;
      await new Promise<void>((resolve) => (release = resolve));
    });
    await expect.poll(() => release).toBeDefined();
    await expect(sql.begin((tx) => tx`select 1 from organisations where id = ${org!.id} for update`)).rejects.toMatchObject({ code: '55P03' });
    release();
    await holding;
  });
});
