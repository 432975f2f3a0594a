/**
 * Malformed requests mixed into the load, one of each kind in turn: each must be refused with a
 * 4xx, outage or not (test/input-fuzz.test.ts covers the kinds in depth; this is them under load).
 */
import type { SeededOrg } from './world.ts';

export interface MalformedAnswer {
  kind: string;
  status: number;
  at: number;
}

type Request = { kind: string; path: string; init?: RequestInit };

function requests(org: SeededOrg, scimOrg: SeededOrg): Request[] {
  const scim = (token: string, init: RequestInit) => ({
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', ...(init.headers as Record<string, string> | undefined) },
  });
  return [
    { kind: 'login with no email address', path: '/login?email=not-an-address' },
    { kind: 'unknown organisation', path: '/auth/no-such-organisation/login' },
    { kind: 'callback with a forged state', path: `/auth/${org.slug}/callback?state=forged&code=forged` },
    { kind: 'callback without state', path: `/auth/${org.slug}/callback?code=forged` },
    { kind: 'oversize login_hint', path: `/auth/${org.slug}/login?login_hint=${'x'.repeat(400)}` },
    { kind: 'api without a session', path: '/api/me' },
    { kind: 'SCIM with a wrong token', path: '/scim/v2/Users', init: scim('wrong-token', { method: 'POST', body: '{}' }) },
    { kind: 'SCIM broken JSON', path: '/scim/v2/Users', init: scim(scimOrg.scimToken!, { method: 'POST', body: '{"schemas": [' }) },
    { kind: 'SCIM PATCH of an unknown user', path: '/scim/v2/Users/00000000-0000-0000-0000-000000000000', init: scim(scimOrg.scimToken!, { method: 'PATCH', body: '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[]}' }) },
  ];
}

/** Sends the `n`th malformed request; never throws (no answer is recorded as status 0). */
export async function sendMalformed(url: string, n: number, orgs: SeededOrg[]): Promise<MalformedAnswer> {
  const signInOrgs = orgs.filter((o) => o.people.length > 0);
  const scimOrgs = orgs.filter((o) => o.scimToken);
  const list = requests(signInOrgs[n % signInOrgs.length]!, scimOrgs[n % Math.max(1, scimOrgs.length)] ?? signInOrgs[0]!);
  const request = list[n % list.length]!;
  const at = Date.now();
  try {
    const res = await fetch(`${url}${request.path}`, { redirect: 'manual', ...request.init });
    await res.arrayBuffer();
    return { kind: request.kind, status: res.status, at };
  } catch {
    return { kind: request.kind, status: 0, at };
  }
}
