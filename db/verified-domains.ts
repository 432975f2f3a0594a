import { emailDomain } from '../domain/sign-in.ts';
import type { Queryable } from './client.ts';

/** Whether the email's domain is one of the organisation's verified domains (sign-in and directory alike). */
export async function isVerifiedDomain(sql: Queryable, orgId: string, email: string): Promise<boolean> {
  const [row] = await sql`select 1 from verified_domains where org_id = ${orgId} and domain = ${emailDomain(email)}`;
  return Boolean(row);
}
