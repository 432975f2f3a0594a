import { afterAll, expect, inject, it } from 'vitest';
import { domainView } from '../api/domain-actions.ts';
import { createSql } from '../db/client.ts';
import { claimForDnsVerification, orgDomain } from '../db/org-domains.ts';
import { seedVerifiedDomain } from '../dev/seed.ts';
import { createOrg } from '../operator/operations.ts';
import { uniqueSlug } from './support/fixtures.ts';

// npm run dev verifies the demo domain at every start, also over a DNS claim an IT contact
// or admin made meanwhile (the demo org removed the domain and added it back on its domains page).
const sql = createSql(inject('databaseUrl'), { max: 2 });
afterAll(() => sql.end());

it('a demo domain the seed verifies over a pending DNS claim shows no TXT record to create', async () => {
  const org = await createOrg(sql, { slug: uniqueSlug('demo'), name: 'Demo' });
  const domain = `${org.slug}.test`;
  expect(await claimForDnsVerification(sql, org.id, domain, { memberId: null, actor: 'setup:it@demo.test' })).toMatchObject({ row: { status: 'pending' } });
  expect(await seedVerifiedDomain(sql, { org: org.slug, domain })).toBe('added');
  const view = domainView((await orgDomain(sql, org.id, domain))!);
  expect({ status: view.status, verifiedBy: view.verifiedBy, record: view.record }).toEqual({ status: 'verified', verifiedBy: 'operator', record: null });
});
