import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createSql, type Sql } from '../db/client.ts';
import { issueScimToken, replaceScimToken, withdrawScimToken } from '../db/scim-tokens.ts';
import { rotateScimToken } from '../operator/scim-tokens.ts';
import { insertOrg } from './support/fixtures.ts';

// Rotations that name the token they replace (db/scim-tokens.ts), against PostgreSQL.
let sql: Sql;
beforeAll(() => {
  sql = createSql(inject('databaseUrl'), { max: 6 });
});
afterAll(() => sql.end({ timeout: 1 }));

const tokens = (orgId: string) =>
  sql<{ id: string; live: boolean }[]>`select id, revoked_at is null as live from scim_tokens where org_id = ${orgId} order by created_at, id`;
const audit = (orgId: string) => sql<{ type: string }[]>`select type from audit_events where org_id = ${orgId} and type like 'scim_token.%' order by id`;

it("a rotation naming another organisation's live token changes neither organisation", async () => {
  const [mine, theirs] = [await insertOrg(sql), await insertOrg(sql)];
  await issueScimToken(sql, { orgId: mine.id, actor: 'setup:it@mine.example' });
  const their = await issueScimToken(sql, { orgId: theirs.id, actor: 'operator' });
  const before = { mine: await tokens(mine.id), theirs: await tokens(theirs.id), audit: await audit(mine.id) };
  expect(await replaceScimToken(sql, { orgId: mine.id, actor: 'setup:it@mine.example' }, their!.id)).toBeUndefined();
  expect({ mine: await tokens(mine.id), theirs: await tokens(theirs.id), audit: await audit(mine.id) }).toEqual(before);
});

it('the same rotation sent five times at once replaces the token once; the other four change nothing', async () => {
  const org = await insertOrg(sql);
  const first = await issueScimToken(sql, { orgId: org.id, actor: 'operator' });
  const answers = await Promise.all(Array.from({ length: 5 }, () => replaceScimToken(sql, { orgId: org.id, actor: 'operator' }, first!.id)));
  const made = answers.filter((a) => a !== undefined);
  expect(made).toHaveLength(1);
  expect(await tokens(org.id)).toEqual([{ id: first!.id, live: false }, { id: made[0]!.id, live: true }]);
});

it('a rotation and a revocation at once leave no token live, in either order', async () => {
  for (let round = 0; round < 5; round++) {
    const org = await insertOrg(sql);
    const first = await issueScimToken(sql, { orgId: org.id, actor: 'operator' });
    await Promise.all([replaceScimToken(sql, { orgId: org.id, actor: 'operator' }, first!.id), withdrawScimToken(sql, { orgId: org.id, actor: 'operator' })]);
    expect((await tokens(org.id)).filter((t) => t.live)).toEqual([]);
  }
});

it("the operator's rotate still rotates whatever is live, and makes the first token when none is", async () => {
  const org = await insertOrg(sql);
  const made = await rotateScimToken(sql, { org: org.slug });
  const again = await rotateScimToken(sql, { org: org.slug });
  expect(await tokens(org.id)).toEqual([{ id: made.id, live: false }, { id: again.id, live: true }]);
});
