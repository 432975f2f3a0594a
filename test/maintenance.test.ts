import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../auth/tokens.ts';
import { SESSION_RETENTION_DAYS } from '../domain/retention.ts';
import { pruneScheduleId, type PruneResult } from '../workflows/definitions.ts';
import { ensureSchedule } from '../worker/maintenance-schedules.ts';
import { insertMember, insertSsoOrg } from './support/fixtures.ts';
import { recordHistory } from './support/histories.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';

let h: TestHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.client.schedule.getHandle(pruneScheduleId(h.taskQueue)).delete().catch(() => undefined);
  await h?.stop();
});

const beyond = `${SESSION_RETENTION_DAYS + 1} days`;
const within = `${SESSION_RETENTION_DAYS - 1} days`;

/** Sessions, login attempts and rate counters on both sides of their end, named by what must happen to them. */
async function seedRecords() {
  const { org } = await insertSsoOrg(h.sql);
  const member = await insertMember(h.sql, org.id, `ada@${org.slug}.test`);
  const [connection] = await h.sql<{ id: string }[]>`select id from sso_connections where org_id = ${org.id}`;
  const session = async (expiresAt: string, revokedAt: string | null) => {
    const id = sha256(randomBytes(32).toString('base64url'));
    await h.sql`insert into sessions (id_hash, member_id, created_at, last_seen_at, expires_at, revoked_at)
                values (${id}, ${member.id}, now() - interval '60 days', now() - interval '60 days',
                        now() + ${expiresAt}::interval, now() + ${revokedAt}::interval)`;
    return id;
  };
  const attempt = async (expiresIn: string, consumed = false) => {
    const state = sha256(randomBytes(32).toString('base64url'));
    await h.sql`insert into login_transactions (state_hash, connection_id, nonce, code_verifier, expires_at, consumed_at)
                values (${state}, ${connection!.id}, 'n', 'v', now() + ${expiresIn}::interval, ${consumed ? h.sql`now()` : null})`;
    return state;
  };
  /** A setup link expiring `expiresIn` from now, opened into a session last seen `seenAgo` ago when given. */
  const setupLink = async (expiresIn: string, seenAgo?: string) => {
    const [link] = await h.sql<{ id: string }[]>`
      insert into setup_links (org_id, email, token_hash, sent_by, expires_at, used_at)
      values (${org.id}, ${`it@${org.slug}.test`}, ${sha256(randomBytes(32).toString('base64url'))}, 'operator', now() + ${expiresIn}::interval, ${seenAgo ? h.sql`now()` : null})
      returning id`;
    const session = seenAgo ? sha256(randomBytes(32).toString('base64url')) : undefined;
    if (session) {
      await h.sql`insert into setup_sessions (id_hash, setup_link_id, org_id, email, last_seen_at, expires_at)
                  values (${session}, ${link!.id}, ${org.id}, ${`it@${org.slug}.test`}, now() - ${seenAgo!}::interval, now() + interval '8 hours')`;
    }
    return { link: link!.id, session };
  };
  const expiredLink = await setupLink(`-${beyond}`, beyond);
  const idleSession = await setupLink('12 hours', beyond);
  const liveLink = await setupLink('12 hours', '5 minutes');
  const recentLink = await setupLink(`-${within}`);
  return {
    org,
    go: {
      sessions: [await session(`-${beyond}`, null), await session('7 days', `-${beyond}`)],
      attempts: [await attempt('-1 minute'), await attempt('-2 hours', true)],
      setupLinks: [expiredLink.link],
      setupSessions: [expiredLink.session!, idleSession.session!],
    },
    stay: {
      sessions: [await session('7 days', null), await session(`-${within}`, null), await session('7 days', `-${within}`)],
      attempts: [await attempt('9 minutes'), await attempt('5 minutes', true)],
      setupLinks: [idleSession.link, liveLink.link, recentLink.link],
      setupSessions: [liveLink.session!],
    },
  };
}

async function remaining(records: Awaited<ReturnType<typeof seedRecords>>['go']) {
  const [row] = await h.sql<{ sessions: number; attempts: number; setupLinks: number; setupSessions: number }[]>`
    select (select count(*) from sessions where id_hash in ${h.sql(records.sessions)})::int as sessions,
           (select count(*) from login_transactions where state_hash in ${h.sql(records.attempts)})::int as attempts,
           (select count(*) from setup_links where id in ${h.sql(records.setupLinks)})::int as "setupLinks",
           (select count(*) from setup_sessions where id_hash in ${h.sql(records.setupSessions)})::int as "setupSessions"`;
  return row!;
}

describe('pruning expired records on a Temporal schedule', () => {
  it('is created once per task queue however many workers start', async () => {
    expect(await ensureSchedule(h.client, h.taskQueue, 'prune')).toBe('created');
    expect(await ensureSchedule(h.client, h.taskQueue, 'prune')).toBe('exists');
    const schedule = await h.client.schedule.getHandle(pruneScheduleId(h.taskQueue)).describe();
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'pruneExpiredRecordsWorkflow', taskQueue: h.taskQueue });
    expect(schedule.spec.intervals).toMatchObject([{ every: 3_600_000 }]);
  });

  it('deletes sessions, setup sessions and setup links dead for longer than the retention period and expired login attempts; keeps the rest', async () => {
    const records = await seedRecords();
    await h.client.schedule.getHandle(pruneScheduleId(h.taskQueue)).trigger();

    const gone = { sessions: 0, attempts: 0, setupLinks: 0, setupSessions: 0 };
    await eventually(async () => {
      const left = await remaining(records.go);
      return Object.values(left).every((n) => n === 0) ? true : undefined;
    });
    expect(await remaining(records.go)).toEqual(gone);
    expect(await remaining(records.stay)).toEqual({ sessions: 3, attempts: 2, setupLinks: 3, setupSessions: 1 });

    // Operators see every run, with what it deleted, under the schedule's ID in the Temporal UI.
    const run = await eventually(async () => {
      for await (const wf of h.client.workflow.list({ query: `WorkflowType = 'pruneExpiredRecordsWorkflow' AND TaskQueue = '${h.taskQueue}'` })) {
        return h.client.workflow.getHandle(wf.workflowId, wf.runId);
      }
      return undefined;
    });
    expect(run.workflowId.startsWith(pruneScheduleId(h.taskQueue))).toBe(true);
    const result: PruneResult = await run.result();
    expect(Object.keys(result).sort()).toEqual(['loginTransactions', 'sessions', 'setupLinks', 'setupSessions']);
    await recordHistory(run, 'prune-expired-records');
  });
});
