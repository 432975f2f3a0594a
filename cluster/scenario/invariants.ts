/**
 * What must hold after the load and its faults, each checked against PostgreSQL, Temporal, the
 * SMTP sink and the answers the cluster gave. Each returns what it found, held or not.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { ParsedMail } from 'mailparser';
import type { Sql } from '../../db/client.ts';
import { parseDuration } from '../../domain/duration.ts';
import { memberWorkflowId } from '../../workflows/definitions.ts';
import type { Cluster } from '../start.ts';
import type { DirectoryRun } from './directory.ts';
import type { Fault, ReadyProbe } from './faults.ts';
import type { MalformedAnswer } from './malformed.ts';
import type { SignIn } from './sign-ins.ts';
import { pool, type Answer } from './traffic.ts';

export interface Verdict {
  name: string;
  held: boolean;
  detail: string;
}

const examples = (items: string[]) => (items.length ? `; e.g. ${items.slice(0, 5).join(' | ')}` : '');
const verdict = (name: string, problems: string[], ok: string): Verdict => ({
  name,
  held: problems.length === 0,
  detail: problems.length ? `${problems.length} problem(s)${examples(problems)}` : ok,
});

export function everyoneSignedIn(signIns: SignIn[]): Verdict {
  const notBegun = signIns.filter((s) => s.attempts.length === 0).length;
  const without = signIns.filter((s) => !s.memberId && s.attempts.length > 0).map((s) => `${s.person.email}: ${s.attempts.map((a) => `${a.status} at ${a.where}`).join(', ')}`);
  const problems = notBegun ? [`${notBegun} sign-ins not begun before the load's deadline`, ...without] : without;
  return verdict('every person got a session (retrying as people do)', problems, `${signIns.length} of ${signIns.length}`);
}

export function faultsRan(leftOut: string[]): Verdict {
  return verdict('every fault ran during the load', leftOut.map((name) => `left out (the load's deadline passed): ${name}`), 'all four');
}

export async function oneMemberIdentityLifecycle(sql: Sql, client: Client, signIns: SignIn[]): Promise<Verdict> {
  const done = signIns.filter((s) => s.memberId);
  const problems: string[] = [];
  const rows = await sql<{ id: string; email: string; slug: string; sameEmail: number; identities: number }[]>`
    select m.id, m.email::text as email, o.slug,
      (select count(*)::int from members x where x.org_id = m.org_id and x.email = m.email) as "sameEmail",
      (select count(*)::int from identities i where i.member_id = m.id) as identities
    from members m join organisations o on o.id = m.org_id where m.id = any(${done.map((s) => s.memberId!)}::uuid[])`;
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const s of done) {
    const row = byId.get(s.memberId!);
    if (!row) problems.push(`${s.person.email}: session for member ${s.memberId} but no such member`);
    else if (row.email !== s.person.email || row.slug !== s.org.slug) problems.push(`${s.person.email}: session for ${row.email} of ${row.slug}`);
    else if (row.sameEmail !== 1 || row.identities !== 1) problems.push(`${s.person.email}: ${row.sameEmail} members, ${row.identities} identities`);
  }
  let running = 0;
  await pool(done, 20, async (s) => {
    const status = await client.workflow
      .getHandle(memberWorkflowId(s.org.slug, s.memberId!))
      .describe()
      .then((d) => d.status.name, (err: unknown) => `unknown (${String(err).slice(0, 80)})`);
    if (status === 'RUNNING') running++;
    else problems.push(`${s.person.email}: lifecycle ${status}`);
  });
  return verdict('every sign-in with a session has one member, one identity, one running lifecycle', problems, `${done.length} members, ${running} lifecycles running`);
}

export async function noDuplicates(sql: Sql): Promise<Verdict> {
  const members = await sql<{ email: string; n: number }[]>`
    select email::text as email, count(*)::int as n from members group by org_id, email having count(*) > 1`;
  const identities = await sql<{ sub: string; n: number }[]>`
    select sub, count(*)::int as n from identities group by connection_id, iss, sub having count(*) > 1`;
  const [{ total }] = await sql<[{ total: number }]>`select count(*)::int as total from members`;
  return verdict(
    'no duplicate member (organisation, email) or identity (connection, iss, sub)',
    [...members.map((m) => `${m.email} x${m.n}`), ...identities.map((i) => `identity ${i.sub} x${i.n}`)],
    `${total} members`,
  );
}

const recipientsOf = (mail: ParsedMail) => [mail.to].flat().flatMap((to) => to?.value.map((v) => v.address?.toLowerCase() ?? '') ?? []);

/** How late a digest may go after its member's first step fell due, beyond the digest window (issue 15's goal: 60 s). */
const DIGEST_LATENESS_ALLOWED_MS = 60_000;

/** A digest cut off from PostgreSQL mid-send keeps its lease (db/digest-lease.ts, 120 s) and is retried just after. */
const DIGEST_LEASE_RECOVERY_S = 130;

/**
 * Every member whose first reminder fell due (longer ago than the window plus the lateness
 * allowed) was in a digest, waiting up to 90 s for digests still on their way; and every digest
 * email went out exactly once: each `sent` row of the email log arrived at the sink once, to its
 * recipient, and the sink got no reminder the log does not have.
 */
export async function digestsOnce(
  sql: Sql,
  smtp: Cluster['smtp'],
  schedule: string,
  window: string,
  databaseOutages: Fault[],
): Promise<Verdict & { lateness: number[]; firstDueSpreadMs: number; sent: number }> {
  const firstStep = parseDuration(schedule.split(',')[0]!)!;
  const dueBy = `${Math.round((firstStep + parseDuration(window)! + DIGEST_LATENESS_ALLOWED_MS) / 1000)} seconds`;
  const problems: string[] = [];
  const unreminded = () => sql<{ email: string }[]>`
    select m.email::text as email from members m left join site_access_reminders r on r.member_id = m.id
    where m.org_role = 'member' and m.status = 'active' and not exists (select 1 from site_assignments a where a.member_id = m.id)
      and coalesce(m.site_access_pending_since, m.created_at) + ${dueBy}::interval <= now() and coalesce(r.step, 0) = 0`;
  let missed = await unreminded();
  for (let waited = 0; missed.length > 0 && waited < 90; waited += 5) {
    await sleep(5_000);
    missed = await unreminded();
  }
  problems.push(...missed.map((m) => `${m.email}: first reminder due, no digest sent`));

  const reminderLog = () => sql<{ messageId: string; to: string[]; status: string; settled: boolean }[]>`
    select message_id as "messageId", to_addresses as to, status, created_at < now() - interval '60 seconds' as settled
    from email_log where kind = 'site_access_reminder'`;
  // A digest still on its way has emails pending for a moment; one pending for a minute is stuck,
  // unless its sender lost PostgreSQL mid-send: that digest goes again once its lease ran out.
  const stuckIn = (rows: Awaited<ReturnType<typeof reminderLog>>) => rows.filter((l) => l.status !== 'sent' && l.settled);
  let logged = await reminderLog();
  for (let waited = 0; stuckIn(logged).length > 0 && waited < DIGEST_LEASE_RECOVERY_S; waited += 5) {
    await sleep(5_000);
    logged = await reminderLog();
  }
  const stuck = stuckIn(logged);
  problems.push(...stuck.map((l) => `${l.to.join(',')}: email log says ${l.status}`));
  const arrived = new Map<string, ParsedMail[]>();
  for (const mail of smtp.messages) {
    if (!mail.messageId?.endsWith('@sso-provisioning>') || !mail.messageId.includes('site-access-reminder')) continue;
    arrived.set(mail.messageId, [...(arrived.get(mail.messageId) ?? []), mail]);
  }
  const sent = logged.filter((l) => l.status === 'sent');
  // At-least-once by design (activities/email.ts): a message the mail server took just before
  // PostgreSQL went away cannot be logged as sent, and its retry sends it again under the same
  // Message-ID. Such a second copy is reported, not failed; any other duplicate fails.
  const outageHit = (mail: ParsedMail) =>
    databaseOutages.some((f) => mail.date !== undefined && mail.date.getTime() >= f.startedAt - 2_000 && mail.date.getTime() <= f.endedAt);
  const resent: string[] = [];
  for (const row of sent) {
    const copies = arrived.get(row.messageId) ?? [];
    if (copies.length === 2 && outageHit(copies[0]!)) resent.push(row.messageId);
    else if (copies.length !== 1) problems.push(`${row.messageId}: logged as sent, arrived ${copies.length} times`);
    else if (recipientsOf(copies[0]!).join(',') !== row.to.map((t) => t.toLowerCase()).join(',')) problems.push(`${row.messageId}: arrived for ${recipientsOf(copies[0]!).join(',')}`);
  }
  const loggedIds = new Set(logged.map((l) => l.messageId));
  problems.push(...[...arrived.keys()].filter((id) => !loggedIds.has(id)).map((id) => `${id}: arrived but not in the email log`));

  // How late each organisation's first digest went, after its first member's first step fell due.
  const firsts = await sql<{ dueAt: Date; sentAt: Date | null }[]>`
    select min(coalesce(m.site_access_pending_since, m.created_at)) + ${`${firstStep} milliseconds`}::interval as "dueAt",
      (select min(e.sent_at) from email_log e where e.org_id = m.org_id and e.kind = 'site_access_reminder') as "sentAt"
    from members m where m.org_role = 'member' and m.source = 'jit' group by m.org_id`;
  const lateness = firsts.filter((f) => f.sentAt).map((f) => f.sentAt!.getTime() - f.dueAt.getTime());
  const dues = firsts.map((f) => f.dueAt.getTime());
  return {
    ...verdict(
      'every digest due was sent exactly once per recipient (email log = SMTP sink)',
      problems,
      `${sent.length} reminder emails, each arrived once${resent.length ? ` (${resent.length} again under the same Message-ID: sent as PostgreSQL stopped, before the log could say so)` : ''}; every member due was reminded`,
    ),
    lateness,
    firstDueSpreadMs: dues.length ? Math.max(...dues) - Math.min(...dues) : 0,
    sent: sent.length,
  };
}

/** Deactivated people are disabled and their sessions revoked, in the database and at the door (/api/me). */
export async function deactivationsApplied(sql: Sql, url: string, run: DirectoryRun): Promise<Verdict> {
  const applied = run.deactivations.filter((d) => d.status === 200);
  const check = async () => {
    const problems: string[] = [];
    for (const d of applied) {
      const [row]: [{ status: string; live: number }?] = await sql`
        select m.status, (select count(*)::int from sessions s where s.member_id = m.id and s.revoked_at is null and s.expires_at > now()) as live
        from members m where m.org_id = ${d.org.id} and m.email = ${d.email}`;
      if (row?.status !== 'disabled') problems.push(`${d.email}: members.status ${row?.status}`);
      if (row && row.live > 0) problems.push(`${d.email}: ${row.live} live sessions`);
      if (d.signIn) {
        const me = await d.signIn.browser.request(`${url}/api/me`);
        if (me.status !== 401) problems.push(`${d.email}: /api/me answers ${me.status} to the old session`);
      }
    }
    return problems;
  };
  // The lifecycle applies a deactivation asynchronously; give it (and the backstop) a minute.
  let problems = await check();
  for (let waited = 0; problems.length > 0 && waited < 60; waited += 5) {
    await sleep(5_000);
    problems = await check();
  }
  problems.push(...run.failures);
  return verdict('every SCIM deactivation reached members.status and revoked the sessions', problems, `${applied.length} deactivations applied, ${applied.filter((d) => d.signIn).length} with sessions revoked`);
}

export function readinessFollowedOutages(faults: Fault[], probes: ReadyProbe[], apis: number): Verdict {
  const problems: string[] = [];
  for (const fault of faults.filter((f) => f.dependency)) {
    for (let api = 0; api < apis; api++) {
      const during = probes.filter((p) => p.api === api && p.at >= fault.startedAt && p.at <= fault.endedAt);
      if (!during.some((p) => p.status === 503 && p.down.includes(fault.dependency!))) {
        problems.push(`${fault.name}: api-${api + 1} never answered /readyz 503 naming ${fault.dependency} (${[...new Set(during.map((p) => `${p.status}${p.down.length ? `:${p.down}` : ''}`))].join(', ')})`);
      }
    }
    if (!fault.recoveredAt) problems.push(`${fault.name}: not every api answered /readyz 200 within 120 s after`);
  }
  return verdict('/readyz answered 503 naming the dependency during its outage and 200 after', problems, faults.filter((f) => f.dependency).map((f) => f.name).join('; '));
}

/** Grace after an outage's recovery for requests that waited through it. */
const AFTER_OUTAGE_MS = 30_000;

/** Whether a request in flight from `from` to `until` overlapped a fault (or the grace after it). */
const inOutage = (faults: Fault[], from: number, until = from) => faults.some((f) => until >= f.startedAt && from <= (f.recoveredAt ?? f.endedAt) + AFTER_OUTAGE_MS);
const route = (a: Answer) => `${a.status} ${a.method} ${a.path.replace(/\/[0-9a-f-]{36}/g, '/:id').replace(/org-\d+/, ':org')}`;

export function only503DuringOutages(answers: Answer[], faults: Fault[]): Verdict {
  const bad = answers.filter((a) => a.path !== '/readyz' && (a.status === 0 || a.status >= 500) && (a.status !== 503 || !inOutage(faults, a.at, a.at + a.ms)));
  const counts = new Map<string, number>();
  for (const a of bad) counts.set(route(a), (counts.get(route(a)) ?? 0) + 1);
  const during = answers.filter((a) => a.path !== '/readyz' && a.status === 503).length;
  return verdict('nothing answered 5xx other than 503 during an outage', [...counts].map(([what, n]) => `${what} x${n}`), `${answers.length} answers, ${during} of them 503 during outages`);
}

/** A malformed request the service must look up to judge (an organisation, a token) may get a 503 while PostgreSQL is out. */
export function malformedRefused(malformed: MalformedAnswer[], faults: Fault[]): Verdict {
  const wrong = malformed.filter((m) => (m.status < 400 || m.status >= 500) && !(m.status === 503 && inOutage(faults, m.at))).map((m) => `${m.kind}: ${m.status}`);
  const outage = malformed.filter((m) => m.status === 503).length;
  return verdict('every malformed request got a 4xx (or a 503 during an outage)', wrong, `${malformed.length} malformed requests refused, ${outage} with a 503 during an outage`);
}
