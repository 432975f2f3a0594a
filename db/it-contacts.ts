import { insertAuditEvent } from './audit.ts';
import type { Queryable, Sql } from './client.ts';

export interface ItContact {
  id: string;
  email: string;
  name: string;
  createdAt: Date;
}

/** A contact's name is at most this long (the pages and the CLI say so). */
export const MAX_IT_CONTACT_NAME = 200;

export const listItContacts = (sql: Queryable, orgId: string) => sql<ItContact[]>`
  select id, email, name, created_at as "createdAt" from it_contacts where org_id = ${orgId} order by email`;

/**
 * Adds `email` as an IT contact; false when it already is one (nothing written twice, so a
 * retried add or a second setup link to the same address changes nothing).
 */
export async function addItContact(sql: Queryable, { orgId, email, name = '', actor }: { orgId: string; email: string; name?: string; actor: string }): Promise<boolean> {
  const added = await sql`insert into it_contacts (org_id, email, name) values (${orgId}, ${email}, ${name}) on conflict (org_id, email) do nothing`;
  if (added.count === 0) return false;
  await insertAuditEvent(sql, { orgId, memberId: null, actor, type: 'it_contact.added', data: { email } });
  return true;
}

export type RemoveOutcome = 'removed' | 'not_found' | 'last_contact';

/**
 * Removes one IT contact of the org (`id` of another org is not found) and revokes their setup
 * links, ending the sessions they opened. The org's contacts are locked first, so two removals at
 * once cannot both see "another one remains" and leave none.
 */
export function removeItContact(sql: Sql, { orgId, id, actor }: { orgId: string; id: string; actor: string }): Promise<RemoveOutcome> {
  return sql.begin(async (tx) => {
    const contacts = await tx<{ id: string; email: string }[]>`select id, email from it_contacts where org_id = ${orgId} order by id for update`;
    const contact = contacts.find((c) => c.id === id);
    if (!contact) return 'not_found';
    if (contacts.length === 1) return 'last_contact';
    await tx`delete from it_contacts where id = ${id} and org_id = ${orgId}`;
    // Their links are revoked, which also ends the sessions they opened (resolveSetupSession wants
    // an unrevoked link): adding the address back later must not revive a session or a link
    // someone may have taken.
    const links = await tx<{ id: string }[]>`
      update setup_links set revoked_at = now() where org_id = ${orgId} and email = ${contact.email} and revoked_at is null returning id`;
    for (const link of links) {
      await insertAuditEvent(tx, { orgId, memberId: null, actor, type: 'setup_link.revoked', data: { linkId: link.id, email: contact.email } });
    }
    await insertAuditEvent(tx, { orgId, memberId: null, actor, type: 'it_contact.removed', data: { email: contact.email } });
    return 'removed';
  });
}
