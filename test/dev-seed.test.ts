/** npm run dev's seed of the demo organisation's verified domain (dev/seed.ts), against PostgreSQL: idempotent across restarts. */
import { afterAll, expect, inject, it } from 'vitest';
import { createSql } from '../db/client.ts';
import { seedVerifiedDomain } from '../dev/seed.ts';
import { createOrg, removeDomain } from '../operator/operations.ts';
import { uniqueSlug } from './support/fixtures.ts';

const sql = createSql(inject('databaseUrl'), { max: 2 });
afterAll(() => sql.end());

const verified = (domain: string) =>
  sql<{ slug: string; verifiedBy: string }[]>`select o.slug, d.verified_by as "verifiedBy" from org_domains d join organisations o on o.id = d.org_id where d.domain = ${domain} and d.status = 'verified'`;
const events = (domain: string) => sql`select 1 from audit_events where type = 'domain.verified' and data->>'domain' = ${domain}`;

it('verifies the demo domain once, writes nothing on later starts, and gives it back after a `domain remove`', async () => {
  const org = uniqueSlug('demo');
  const domain = `${org}.test`;
  await createOrg(sql, { slug: org, name: 'Demo' });
  expect(await seedVerifiedDomain(sql, { org, domain })).toBe('added');
  for (let start = 0; start < 3; start++) expect(await seedVerifiedDomain(sql, { org, domain })).toBe('present');
  expect(await verified(domain)).toEqual([{ slug: org, verifiedBy: 'operator' }]);
  expect(await events(domain)).toHaveLength(1);

  await removeDomain(sql, { org, domain });
  expect(await seedVerifiedDomain(sql, { org, domain })).toBe('added');
  expect(await verified(domain)).toEqual([{ slug: org, verifiedBy: 'operator' }]);
});

it('leaves the domain alone when another organisation has verified it', async () => {
  const [org, other] = [uniqueSlug('demo'), uniqueSlug('other')];
  const domain = `${other}.test`;
  await createOrg(sql, { slug: org, name: 'Demo' });
  await createOrg(sql, { slug: other, name: 'Other' });
  expect(await seedVerifiedDomain(sql, { org: other, domain })).toBe('added');
  expect(await seedVerifiedDomain(sql, { org, domain })).toEqual({ ownedBy: other });
  expect(await verified(domain)).toEqual([{ slug: other, verifiedBy: 'operator' }]);
});
