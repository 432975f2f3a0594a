import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionSignIn } from '../api/temporal.ts';
import { noteTold, startDigestDecision, toldReminders } from '../db/reminder-nudges.ts';
import { dueAt } from '../domain/reminders.ts';
import { reminderState } from '../temporal/site-access.ts';
import { siteAccessRemindersWorkflowId } from '../workflows/definitions.ts';
import { countWorkflowActions } from './support/actions.ts';
import { insertOrg, insertSsoOrg } from './support/fixtures.ts';
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
    await Promise.all(Array.from({ length: PEOPLE }, (_, i) => provisionSignIn({ client: h.client, connection: h.connection }, h.sql, h.taskQueue, signIn(`person-${i}`))));
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

  it('nudges once for members who join one after another, while the reminders wait for the first one', async () => {
    const { org, signIn } = await insertSsoOrg(h.sql);
    const client = { client: h.client, connection: h.connection };
    for (let i = 0; i < 8; i++) {
      await provisionSignIn(client, h.sql, h.taskQueue, signIn(`one-by-one-${i}`));
      await eventually(async () => {
        const [row] = await h.sql<{ n: number }[]>`select count(*)::int as n from members where org_id = ${org.id} and lifecycle_started_at is not null`;
        return row!.n === i + 1 ? true : undefined;
      });
    }
    // Each lifecycle is done before the next member signs in, so no merging helped: the note did.
    expect((await countWorkflowActions(h.client, siteAccessRemindersWorkflowId(org.slug))).signals).toBe(1);
  });
});

describe('what the reminders were told (db/reminder-nudges.ts)', () => {
  it('keeps the earliest time told, and forgets it when a digest decision begins', async () => {
    const org = await insertOrg(h.sql);
    const first = await toldReminders(h.sql, org.id);
    expect(first.dueAt).toBeUndefined();
    await noteTold(h.sql, org.id, first, 2_000_000_000_000);
    await noteTold(h.sql, org.id, first, 1_900_000_000_000);
    await noteTold(h.sql, org.id, first, 2_100_000_000_000);
    expect(await toldReminders(h.sql, org.id)).toEqual({ epoch: 0, dueAt: 1_900_000_000_000 });

    await h.sql.begin((tx) => startDigestDecision(tx, org.id));
    expect(await toldReminders(h.sql, org.id)).toEqual({ epoch: 1, dueAt: undefined });
  });

  it('notes nothing for a nudger who read before a digest decision began: the workflow plans from that decision', async () => {
    const org = await insertOrg(h.sql);
    await h.sql.begin((tx) => startDigestDecision(tx, org.id));
    const read = await toldReminders(h.sql, org.id);
    await h.sql.begin((tx) => startDigestDecision(tx, org.id));
    await noteTold(h.sql, org.id, read, 2_000_000_000_000);
    expect(await toldReminders(h.sql, org.id)).toEqual({ epoch: 2, dueAt: undefined });
  });

  it("makes a digest decision wait for a nudger's open transaction, so the decision reads the member that nudger skipped for", async () => {
    const org = await insertOrg(h.sql);
    await noteTold(h.sql, org.id, await toldReminders(h.sql, org.id), 2_000_000_000_000);
    let decided = false;
    let releaseNudger!: () => void;
    const nudgerHolds = new Promise<void>((resolve) => (releaseNudger = resolve));
    let nudgerRead!: () => void;
    const read = new Promise<void>((resolve) => (nudgerRead = resolve));
    const nudger = h.sql.begin(async (tx) => {
      await toldReminders(tx, org.id);
      nudgerRead();
      await nudgerHolds;
    });
    await read;
    let decider: number | undefined;
    const decision = h.sql
      .begin(async (tx) => {
        const [row] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
        decider = row!.pid;
        await startDigestDecision(tx, org.id);
      })
      .then(() => (decided = true));
    await eventually(async () => {
      if (decider === undefined) return undefined;
      const [row] = await h.sql<{ waiting: boolean }[]>`select wait_event_type = 'Lock' as waiting from pg_stat_activity where pid = ${decider}`;
      return row?.waiting ? true : undefined;
    });
    expect(decided).toBe(false);
    releaseNudger();
    await Promise.all([nudger, decision]);
    expect(decided).toBe(true);
  });
});
