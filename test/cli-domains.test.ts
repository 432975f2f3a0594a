/** The operator CLI's domain commands as real processes: DNS verification through the worker, status, refusals. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg } from '../operator/operations.ts';
import { startDnsServer, type TestDnsServer } from './support/dns-server.ts';
import { uniqueSlug } from './support/fixtures.ts';
import { runEntry } from './support/processes.ts';
import { eventually, startHarness, terminateRunningWorkflows, type TestHarness } from './support/temporal.ts';

let h: TestHarness;
let zone: TestDnsServer;

const cli = (args: string[]) => runEntry('cli/main.ts', args, { TASK_QUEUE: h.taskQueue }, '');

beforeAll(async () => {
  zone = await startDnsServer();
  h = await startHarness({ dns: { servers: [zone.server], timeoutMs: 300, tries: 1 } });
});
afterAll(async () => {
  await terminateRunningWorkflows(h);
  await h?.stop();
  await zone?.stop();
});

describe('operator CLI: domains', { timeout: 120_000 }, () => {
  it('starts DNS verification with the record to create, lists the status, and keeps `domain add` as the operator’s assertion', async () => {
    const slug = uniqueSlug('cli');
    await createOrg(h.sql, { slug, name: slug });
    const domain = `${slug}.example`;
    const started = await cli(['domain', 'verify', slug, domain]);
    expect(started.code).toBe(0);
    const [record] = /_sso-provisioning-challenge\.\S+\s+TXT\s+"(sso-provisioning-verification=[0-9a-f]{32})"/.exec(started.out)?.slice(1) ?? [];
    expect(started.out).toContain(`_sso-provisioning-challenge.${domain}`);
    zone.setTxt(`_sso-provisioning-challenge.${domain}`, [record!]);
    // The production schedule's next check is a minute away; running `verify` again checks now.
    expect((await cli(['domain', 'verify', slug, domain])).code).toBe(0);
    await eventually(async () => ((await h.sql`select 1 from org_domains where domain = ${domain} and status = 'verified'`).length > 0 ? true : undefined));
    const listed = await cli(['domain', 'list', slug]);
    expect(listed.out).toMatch(new RegExp(`${domain}\\tverified\\tby=dns\\tlast-check=\\S+ \\(the record was found\\)`));

    const asserted = `asserted-${slug}.example`;
    expect((await cli(['domain', 'add', slug, asserted])).code).toBe(0);
    expect((await cli(['domain', 'list', slug])).out).toContain(`${asserted}\tverified\tby=operator\tlast-check=-`);
  });

  it('refuses consumer domains, public suffixes and IP addresses, saving nothing', async () => {
    const slug = uniqueSlug('cli');
    await createOrg(h.sql, { slug, name: slug });
    expect(await cli(['domain', 'verify', slug, 'gmail.com'])).toMatchObject({ code: 2, err: expect.stringContaining('public email provider') });
    expect(await cli(['domain', 'add', slug, 'co.uk'])).toMatchObject({ code: 2, err: expect.stringContaining('public suffix') });
    expect(await cli(['domain', 'add', slug, '127.0.0.1'])).toMatchObject({ code: 2, err: expect.stringContaining('IP address') });
    expect((await cli(['domain', 'list', slug])).out).toContain(`no domains for ${slug}`);
  });
});
