/** Migration 0017 on a database that has domains: every one becomes operator-verified, and JIT still trusts it. */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ley from 'ley';
import postgres from 'postgres';
import { afterAll, expect, inject, it } from 'vitest';
import { ensureDatabase, migrate } from '../db/migrate.ts';
import { isVerifiedDomain } from '../db/verified-domains.ts';

const shared = new URL(inject('databaseUrl'));
const name = `${decodeURIComponent(shared.pathname.slice(1))}_domains_${process.pid}`;
const url = Object.assign(new URL(shared), { pathname: `/${name}` }).toString();
const before = mkdtempSync(join(tmpdir(), 'migrations-'));

afterAll(async () => {
  rmSync(before, { recursive: true, force: true });
  const admin = postgres(Object.assign(new URL(shared), { pathname: '/postgres' }).toString(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.end();
});

it('turns existing domains into operator-verified ones that JIT still trusts, and keeps one owner per domain', async () => {
  await ensureDatabase(url);
  // The schema as it was before domain verification: every migration before 0017.
  const migrations = join(import.meta.dirname, '..', 'db', 'migrations');
  const beforeDomainVerification = (src: string) => Number(/\/(\d{4})-[^/]*\.js$/.exec(src)?.[1] ?? 0) < 17;
  cpSync(migrations, join(before, 'migrations'), { recursive: true, filter: beforeDomainVerification });
  await ley.up({ cwd: before, dir: 'migrations', driver: 'postgres', config: { host: shared.hostname, port: Number(shared.port || 5432), database: name, username: decodeURIComponent(shared.username || 'postgres') } });
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [org]: [{ id: string }] = await sql`insert into organisations (slug, name) values ('old', 'Old') returning id`;
    await sql`insert into verified_domains (domain, org_id) values ('old.example', ${org.id})`;

    // 0017 first, then whatever came after it.
    expect((await migrate(url))[0]).toBe('0017-domain-verification.js');

    const [row] = await sql`select status, verified_by, token, verified_at = created_at as "sinceCreated" from org_domains where domain = 'old.example'`;
    expect(row).toEqual({ status: 'verified', verified_by: 'operator', token: null, sinceCreated: true });
    expect(await isVerifiedDomain(sql, org.id, 'ada@OLD.example')).toBe(true);
    // Writers of the old table keep working: an insert through the view is an operator's assertion.
    await sql`insert into verified_domains (domain, org_id) values ('also-old.example', ${org.id})`;
    expect(await sql`select status, verified_by from org_domains where domain = 'also-old.example'`).toEqual([{ status: 'verified', verified_by: 'operator' }]);

    const [other]: [{ id: string }] = await sql`insert into organisations (slug, name) values ('other', 'Other') returning id`;
    await expect(sql`insert into verified_domains (domain, org_id) values ('old.example', ${other.id})`).rejects.toThrow(/org_domains_one_owner/);
    // A pending claim of the same name is allowed (it cannot block the owner), and needs a token.
    await sql`insert into org_domains (domain, org_id, status, token) values ('old.example', ${other.id}, 'pending', ${'a'.repeat(32)})`;
    await expect(sql`insert into org_domains (domain, org_id, status) values ('tokenless.example', ${other.id}, 'pending')`).rejects.toThrow(/check constraint/);
    expect(await isVerifiedDomain(sql, other.id, 'eve@old.example')).toBe(false);
  } finally {
    await sql.end();
  }
});
