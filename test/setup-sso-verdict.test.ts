import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { directProvisioning } from './support/provisioning.ts';
import { createSql, type Sql } from '../db/client.ts';
import { previewJit } from '../db/jit-preview.ts';
import { testClaimsOf } from '../db/sso-drafts.ts';
import { checkClaims, type IdTokenClaims } from '../domain/sign-in.ts';
import { insertMember, insertSsoOrg } from './support/fixtures.ts';

// Issue 17: the test sign-in's verdict (db/jit-preview.ts over the claims a test keeps)
// must never differ from what the real sign-in (api/routes/auth.ts checkClaims, then the
// provisioning activity) does with the same claims and the same rows.

let sql: Sql;
beforeAll(() => {
  sql = createSql(inject('databaseUrl'), { max: 3 });
});
afterAll(async () => {
  await sql?.end();
});

describe('the claims a test keeps decide as the ID token does', () => {
  const entra = 'https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0';
  it.each([
    { email_verified: 'false', xms_edov: true },
    { email_verified: 'true', xms_edov: true },
    { email_verified: 0, xms_edov: true },
  ])('an Entra token with email_verified %o is judged alike', (flags) => {
    const claims: IdTokenClaims = { iss: entra, sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ', email: 'ada@contoso.example', ...flags };
    expect(checkClaims(claims)).toEqual({ refused: 'email_not_verified' });
    expect(checkClaims(testClaimsOf(claims))).toEqual(checkClaims(claims));
  });
});

describe('the verdict names what provisioning will do', () => {
  it('an existing Member with a pending org-admin invitation: linking makes them an Org admin, and the verdict says so', async () => {
    const { org, signIn } = await insertSsoOrg(sql);
    const input = signIn('ada');
    await insertMember(sql, org.id, input.email);
    await sql`insert into invitations (org_id, email, org_role, expires_at) values (${org.id}, ${input.email}, 'org_admin', now() + interval '7 days')`;
    const preview = await previewJit(sql, org.id, { iss: input.iss, sub: input.sub, email: input.email, email_verified: true, name: 'Ada' });
    const real = await directProvisioning(sql).provisionIdentity(input);
    expect(real).toMatchObject({ outcome: 'linked', orgRole: 'org_admin' });
    expect(preview).toMatchObject({ action: 'link', promotedByInvitation: true });
  });
});
