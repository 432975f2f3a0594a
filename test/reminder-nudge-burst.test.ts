import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionSignIn } from '../api/temporal.ts';
import { dueAt } from '../domain/reminders.ts';
import { reminderState } from '../temporal/site-access.ts';
import { siteAccessRemindersWorkflowId } from '../workflows/definitions.ts';
import { countWorkflowActions } from './support/actions.ts';
import { insertSsoOrg } from './support/fixtures.ts';
import { eventually, reminderSettings, startHarness, type TestHarness } from './support/temporal.ts';

const PEOPLE = 40;
let h: TestHarness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe('a burst of first sign-ins in one organisation', () => {
  it("leaves the organisation's one reminder workflow knowing the earliest due reminder, however the members' nudges merged", async () => {
    const { org, signIn } = await insertSsoOrg(h.sql);
    await Promise.all(Array.from({ length: PEOPLE }, (_, i) => provisionSignIn({ client: h.client, connection: h.connection }, h.taskQueue, signIn(`person-${i}`))));
    await eventually(async () => {
      const [row] = await h.sql<{ n: number }[]>`select count(*)::int as n from members where org_id = ${org.id} and lifecycle_started_at is not null`;
      return row!.n === PEOPLE ? true : undefined;
    });

    // At most one nudge per member; how many merge depends on how the lifecycles overlap (bench:load shows it).
    const { signals } = await countWorkflowActions(h.client, siteAccessRemindersWorkflowId(org.slug));
    expect(signals).toBeGreaterThan(0);
    expect(signals).toBeLessThanOrEqual(PEOPLE);

    const [first] = await h.sql<{ since: Date }[]>`select min(site_access_pending_since) as since from members where org_id = ${org.id}`;
    const earliest = new Date(dueAt({ memberId: 'first', waitingSince: first!.since.toISOString(), step: 0 }, reminderSettings().policy)!).toISOString();
    expect((await reminderState(h.client, org.slug))?.nextDigestAt).toBe(earliest);
  });
});
