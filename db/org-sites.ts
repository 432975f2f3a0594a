import type { Queryable } from './client.ts';

export interface OrgSite {
  id: string;
  name: string;
  memberCount: number;
}

/** Every site of the organisation with how many members are assigned to it: what an admin assigns from. */
export const listOrgSites = (sql: Queryable, orgId: string) => sql<OrgSite[]>`
  select s.id, s.name, (select count(*)::int from site_assignments a where a.site_id = s.id) as "memberCount"
  from sites s where s.org_id = ${orgId} order by s.name, s.id`;
