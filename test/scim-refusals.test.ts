import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeScimToken, rotateScimToken } from '../operator/scim-tokens.ts';
import { directorySignals, orgTables, scimApp, scimOrg } from './support/scim.ts';
import { CORE_USER, okta, PATCH_OP } from './support/scim-fixtures.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';

let h: TestHarness;
let scim: ReturnType<typeof scimApp>;
let org: Awaited<ReturnType<typeof scimOrg>>;
let rival: Awaited<ReturnType<typeof scimOrg>>;
let userId: string;

beforeAll(async () => {
  h = await startHarness();
  // No worker polls this queue: signals land in the lifecycles' histories, but no lifecycle runs, so
  // nothing but the request under test can change the tables between two snapshots.
  scim = scimApp(h, `idle-${randomUUID()}`);
  org = await scimOrg(h, 'refuse');
  rival = await scimOrg(h, 'rival');
  const created = await scim('POST', '/Users', { token: org.token, body: okta.create(`ada@${org.domain}`, '00u1', 'Ada', 'Lovelace') });
  userId = created.body.id;
});
afterAll(async () => {
  await h?.stop();
});

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const patchOp = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

/** The request is refused as expected, in RFC 7644 form, and neither organisation changed. */
async function refused(request: () => ReturnType<typeof scim>, status: number, scimType?: string) {
  const before = [await orgTables(h, org.id), await orgTables(h, rival.id)];
  const res = await request();
  expect(res.type).toBe('application/scim+json; charset=utf-8');
  expect(res.body).toMatchObject({ schemas: [ERROR], status: String(status), detail: expect.any(String) });
  expect(res.status).toBe(status);
  expect(res.body.scimType).toBe(scimType);
  expect([await orgTables(h, org.id), await orgTables(h, rival.id)]).toEqual(before);
  return res;
}

describe('SCIM tokens', () => {
  it('answers 401 with WWW-Authenticate to a missing, malformed or unknown token', async () => {
    const missing = await refused(() => scim('GET', '/Users'), 401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="scim"');
    await refused(() => scim('GET', '/Users', { token: 'scim_not-a-real-token' }), 401);
    await refused(() => scim('POST', '/Users', { token: `${org.token}x`, body: okta.create(`x@${org.domain}`, 'x') }), 401);
    await refused(() => scim('GET', '/ServiceProviderConfig', { token: 'Basic abc' }), 401);
  });

  it("lets the token alone decide the organisation: another org's user is a 404, and stays unchanged", async () => {
    await refused(() => scim('GET', `/Users/${userId}`, { token: rival.token }), 404);
    await refused(() => scim('PATCH', `/Users/${userId}`, { token: rival.token, body: okta.setActive(false) }), 404);
    await refused(() => scim('PUT', `/Users/${userId}`, { token: rival.token, body: okta.replace(userId, `ada@${org.domain}`, '00u1', 'Eve', 'Il') }), 404);
    await refused(() => scim('DELETE', `/Users/${userId}`, { token: rival.token }), 404);
    const list = await scim('GET', `/Users?${okta.existence(`ada@${org.domain}`)}`, { token: rival.token });
    expect(list.body.totalResults).toBe(0);
  });

  it('stops a rotated token at once and accepts the new one; keeps last_used_at', async () => {
    const own = await scimOrg(h, 'rotate');
    expect((await scim('GET', '/Users', { token: own.token })).status).toBe(200);
    const [used] = await h.sql`select last_used_at from scim_tokens where org_id = ${own.id} and revoked_at is null`;
    expect(used?.last_used_at).toBeInstanceOf(Date);
    const rotated = await rotateScimToken(h.sql, { org: own.slug });
    expect((await scim('GET', '/Users', { token: own.token })).status).toBe(401);
    expect((await scim('GET', '/Users', { token: rotated.token })).status).toBe(200);
    await revokeScimToken(h.sql, { org: own.slug });
    expect((await scim('GET', '/Users', { token: rotated.token })).status).toBe(401);
    const stored = await h.sql`select token_hash from scim_tokens where org_id = ${own.id}`;
    expect(stored.map((t) => Buffer.from(t.token_hash).toString('utf8'))).not.toContain(rotated.token);
  });
});

describe('bad SCIM input changes nothing', () => {
  it.each([
    ['malformed JSON', () => scim('POST', '/Users', { token: org.token, body: '{"userName": ' }), 400, 'invalidSyntax'],
    ['an empty body', () => scim('POST', '/Users', { token: org.token, body: '' }), 400, 'invalidSyntax'],
    ['a JSON array', () => scim('POST', '/Users', { token: org.token, body: [] }), 400, 'invalidSyntax'],
    ['an unknown attribute', () => scim('POST', '/Users', { token: org.token, body: { ...okta.create(`u@${org.domain}`, 'u'), shoeSize: 42 } }), 400, 'invalidSyntax'],
    ['a number as userName', () => scim('POST', '/Users', { token: org.token, body: { schemas: [CORE_USER], userName: 42 } }), 400, 'invalidValue'],
    ['a word as active', () => scim('POST', '/Users', { token: org.token, body: { ...okta.create(`w@${org.domain}`, 'w'), active: 'maybe' } }), 400, 'invalidValue'],
    ['an email off the verified domains', () => scim('POST', '/Users', { token: org.token, body: okta.create('eve@elsewhere.example', 'e') }), 400, 'invalidValue'],
    ['a duplicate userName', () => scim('POST', '/Users', { token: org.token, body: okta.create(`ada@${org.domain}`, 'other') }), 409, 'uniqueness'],
    ['a duplicate externalId', () => scim('POST', '/Users', { token: org.token, body: okta.create(`new@${org.domain}`, '00u1') }), 409, 'uniqueness'],
    ['a text/plain body', () => scim('POST', '/Users', { token: org.token, body: JSON.stringify(okta.create(`t@${org.domain}`, 't')), contentType: 'text/plain' }), 415, undefined],
    ['a body over 64 kB', () => scim('POST', '/Users', { token: org.token, body: { ...okta.create(`big@${org.domain}`, 'big'), title: 'x'.repeat(70_000) } }), 413, undefined],
    ['a malformed filter', () => scim('GET', `/Users?filter=${encodeURIComponent('userName eq')}`, { token: org.token }), 400, 'invalidFilter'],
    ['a filter on an unknown attribute', () => scim('GET', `/Users?filter=${encodeURIComponent('shoeSize eq "42"')}`, { token: org.token }), 400, 'invalidFilter'],
    ['a filter comparing a boolean with a string', () => scim('GET', `/Users?filter=${encodeURIComponent('active eq "yes"')}`, { token: org.token }), 400, 'invalidFilter'],
    ['a filter on meta', () => scim('GET', `/Users?filter=${encodeURIComponent('meta.lastModified gt "2026-01-01T00:00:00Z"')}`, { token: org.token }), 400, 'invalidFilter'],
    ['a count that is no integer', () => scim('GET', '/Users?count=ten', { token: org.token }), 400, 'invalidValue'],
    ['an unknown query parameter', () => scim('GET', '/Users?limit=10', { token: org.token }), 400, 'invalidValue'],
    ['a PATCH it cannot understand', () => scim('PATCH', `/Users/${userId}`, { token: org.token, body: patchOp({ op: 'replace', path: 'shoeSize', value: '42' }) }), 400, 'invalidPath'],
    ['a PATCH with an unknown op', () => scim('PATCH', `/Users/${userId}`, { token: org.token, body: patchOp({ op: 'merge', value: { active: false } }) }), 400, 'invalidSyntax'],
    ['a PATCH whose filter matches nothing', () => scim('PATCH', `/Users/${userId}`, { token: org.token, body: patchOp({ op: 'remove', path: 'emails[type eq "home"]' }) }), 400, 'noTarget'],
    ['a PATCH with a string for a boolean', () => scim('PATCH', `/Users/${userId}`, { token: org.token, body: patchOp({ op: 'replace', path: 'active', value: 'nein' }) }), 400, 'invalidValue'],
    ['a PATCH of the id', () => scim('PATCH', `/Users/${userId}`, { token: org.token, body: patchOp({ op: 'replace', path: 'id', value: 'x' }) }), 400, 'mutability'],
    ['a PATCH half valid', () => scim('PATCH', `/Users/${userId}`, { token: org.token, body: patchOp({ op: 'replace', value: { active: false } }, { op: 'add', path: 'x', value: 1 }) }), 400, 'invalidPath'],
    ['a PUT without userName', () => scim('PUT', `/Users/${userId}`, { token: org.token, body: { schemas: [CORE_USER], active: false } }), 400, 'invalidValue'],
    ['an unknown user', () => scim('PATCH', '/Users/6be494c1-89a8-4183-9986-f66290770d07', { token: org.token, body: okta.setActive(false) }), 404, undefined],
    ['an id that is no UUID', () => scim('DELETE', "/Users/'%20or%201=1--", { token: org.token }), 404, undefined],
  ])('refuses %s', async (_what, request, status, scimType) => {
    await refused(request, status, scimType);
  });
});

describe('concurrent retries', () => {
  it('stores the same deactivation sent five times at once once, and tells the lifecycle one seq', async () => {
    const own = await scimOrg(h, 'retry');
    const created = await scim('POST', '/Users', { token: own.token, body: okta.create(`zoe@${own.domain}`, 'z') });
    const [link] = await h.sql<{ member_id: string; directory_seq: string }[]>`select member_id, directory_seq from directory_links where scim_id = ${created.body.id}`;
    const answers = await Promise.all(Array.from({ length: 5 }, () => scim('PATCH', `/Users/${created.body.id}`, { token: own.token, body: okta.setActive(false) })));
    expect(answers.map((a) => [a.status, a.body.active])).toEqual(Array.from({ length: 5 }, () => [200, false]));
    const [after] = await h.sql<{ directory_seq: string; directory_state: string }[]>`select directory_seq, directory_state from directory_links where scim_id = ${created.body.id}`;
    expect(after?.directory_state).toBe('inactive');
    const updates = await h.sql`select 1 from audit_events where member_id = ${link!.member_id} and type = 'directory.user_updated'`;
    expect(updates.length).toBe(1);
    const events = await eventually(async () => {
      const got = await directorySignals(h, own.slug, link!.member_id);
      return got.some((e) => e.state === 'inactive') ? got : undefined;
    });
    const deactivations = events.filter((e) => e.state === 'inactive');
    expect(new Set(deactivations.map((e) => e.seq))).toEqual(new Set([Number(after!.directory_seq)]));
    expect(Number(after!.directory_seq)).toBeGreaterThan(Number(link!.directory_seq));
  });
});
