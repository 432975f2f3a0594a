/**
 * The directories of the SCIM organisations, as Okta drives them: creates for new people, creates
 * that link people who already signed in, then deactivations (of those, so their sessions must
 * die, and of a new one). A 503 or no answer is retried like a directory retries; a create that
 * was saved before its 503 is found again by userName.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { okta } from '../../test/support/scim-fixtures.ts';
import type { SignIn } from './sign-ins.ts';
import { pool } from './traffic.ts';
import type { SeededOrg } from './world.ts';

const NEW_PEOPLE = 3;
const LINKED = 2;
const RETRIES = 6;

export interface Deactivation {
  org: SeededOrg;
  email: string;
  /** The sign-in whose session must be revoked, for a linked person. */
  signIn?: SignIn;
  status: number;
}

export interface DirectoryRun {
  operations: { kind: 'create' | 'deactivate'; ms: number; status: number; tries: number }[];
  deactivations: Deactivation[];
  failures: string[];
}

async function scim(url: string, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}/scim/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as { id?: string; Resources?: { id: string }[] }) : undefined };
}

async function withRetries(call: () => Promise<{ status: number; body?: { id?: string } }>) {
  let last = { status: 0 } as Awaited<ReturnType<typeof call>>;
  for (let tries = 1; tries <= RETRIES; tries++) {
    last = await call().catch(() => ({ status: 0 }));
    if (last.status !== 503 && last.status !== 0) return { ...last, tries };
    await sleep(2_000);
  }
  return { ...last, tries: RETRIES };
}

export async function runDirectories(url: string, orgs: SeededOrg[], signIns: SignIn[], concurrency: number, deadline: number): Promise<DirectoryRun> {
  const run: DirectoryRun = { operations: [], deactivations: [], failures: [] };
  const timed = async (kind: 'create' | 'deactivate', call: () => Promise<{ status: number; body?: { id?: string } }>) => {
    const started = Date.now();
    const result = await withRetries(call);
    run.operations.push({ kind, ms: Date.now() - started, status: result.status, tries: result.tries });
    return result;
  };

  await pool(orgs.filter((o) => o.scimToken), concurrency, async (org) => {
    const token = org.scimToken!;
    const ofOrg = signIns.filter((s) => s.org.slug === org.slug);
    // Waits for people of this organisation who signed in (or for its sign-ins to be over).
    while (ofOrg.filter((s) => s.memberId).length < LINKED && ofOrg.some((s) => !s.doneAt) && Date.now() < deadline) await sleep(500);
    if (Date.now() >= deadline) return void run.failures.push(`${org.slug}: directory not run, the load's deadline passed`);
    const linked = ofOrg.filter((s) => s.memberId).slice(0, LINKED);
    const people = [
      ...Array.from({ length: NEW_PEOPLE }, (_, k) => ({ email: `d${k + 1}@${org.domain}`, signIn: undefined as SignIn | undefined })),
      ...linked.map((s) => ({ email: s.person.email, signIn: s })),
    ];
    const ids = new Map<string, string>();
    for (const person of people) {
      const created = await timed('create', () => scim(url, token, 'POST', '/Users', okta.create(person.email, `ext-${person.email}`)));
      let id = created.body?.id;
      if (created.status === 409) {
        const found = await scim(url, token, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "${person.email}"`)}`);
        id = found.body?.Resources?.[0]?.id;
      }
      if (id) ids.set(person.email, id);
      else run.failures.push(`${org.slug}: create ${person.email} answered ${created.status} after ${created.tries} tries`);
    }
    // The linked people (sessions to revoke) and the first new one.
    for (const person of [people[0]!, ...people.slice(NEW_PEOPLE)]) {
      const id = ids.get(person.email);
      if (!id) continue;
      const off = await timed('deactivate', () => scim(url, token, 'PATCH', `/Users/${id}`, okta.setActive(false)));
      if (off.status !== 200) run.failures.push(`${org.slug}: deactivate ${person.email} answered ${off.status} after ${off.tries} tries`);
      run.deactivations.push({ org, email: person.email, ...(person.signIn ? { signIn: person.signIn } : {}), status: off.status });
    }
  });
  return run;
}
