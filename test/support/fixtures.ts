import { randomBytes } from 'node:crypto';
import type { Sql } from '../../db/client.ts';
import type { MemberSource, OrgRole } from '../../domain/member.ts';

export const uniqueSlug = (prefix = 'org') => `${prefix}-${randomBytes(4).toString('hex')}`;

export async function insertOrg(sql: Sql, slug = uniqueSlug()) {
  const [org] = await sql<{ id: string; slug: string }[]>`
    insert into organisations (slug, name) values (${slug}, ${`Org ${slug}`}) returning id, slug`;
  return org!;
}

export async function insertMember(
  sql: Sql,
  orgId: string,
  email: string,
  { source = 'operator', orgRole = 'member' }: { source?: MemberSource; orgRole?: OrgRole } = {},
) {
  const [member] = await sql<{ id: string; email: string }[]>`
    insert into members (org_id, email, name, source, org_role)
    values (${orgId}, ${email}, ${email.split('@')[0]!}, ${source}, ${orgRole}) returning id, email`;
  return member!;
}
