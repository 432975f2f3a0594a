import type { Queryable } from './client.ts';

/** Same connection and same issuer: the same IdP, where this member already signs in (as any subject). */
export async function hasIdentityAtIdp(sql: Queryable, memberId: string, { connectionId, iss }: { connectionId: string; iss: string }): Promise<boolean> {
  const [row] = await sql`select 1 from identities where member_id = ${memberId} and connection_id = ${connectionId} and iss = ${iss}`;
  return Boolean(row);
}

/** The member a sign-in identity (connection, iss, sub) is linked to, if any. */
export async function memberOfIdentity(sql: Queryable, { connectionId, iss, sub }: { connectionId: string; iss: string; sub: string }): Promise<string | undefined> {
  const [row]: [{ memberId: string }?] = await sql`select member_id as "memberId" from identities where connection_id = ${connectionId} and iss = ${iss} and sub = ${sub}`;
  return row?.memberId;
}
