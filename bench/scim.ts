/**
 * SCIM writes over HTTP as Okta sends them, to one new organisation of the target, `concurrency`
 * in flight. Each phase acts on the users the create phase made; every answer must have the
 * status the phase expects.
 */
import type { Sql } from '../db/client.ts';
import { addDomain, createOrg } from '../operator/operations.ts';
import { createScimToken } from '../operator/scim-tokens.ts';
import { okta } from '../test/support/scim-fixtures.ts';
import { atConcurrency } from './stats.ts';

export async function scimWrites(sql: Sql, apiUrl: string, slug: string, { n, concurrency }: { n: number; concurrency: number }) {
  const domain = `${slug}.test`;
  await createOrg(sql, { slug, name: `Bench ${slug}` });
  await addDomain(sql, { org: slug, domain });
  const { token } = await createScimToken(sql, { org: slug });
  const ids: string[] = [];

  /** As Okta and Entra send them: a DELETE has no body and no content type. */
  const call = async (expected: number, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${apiUrl}/scim/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status !== expected) throw new Error(`SCIM ${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
    return text;
  };
  const phase = (request: (i: number) => Promise<unknown>) => atConcurrency(n, concurrency, async (i) => void (await request(i)));

  return {
    create: () =>
      phase(async (i) => {
        ids[i] = (JSON.parse(await call(201, 'POST', '/Users', okta.create(`user-${i}@${domain}`, `ext-${i}`))) as { id: string }).id;
      }),
    deactivate: () => phase((i) => call(200, 'PATCH', `/Users/${ids[i]}`, okta.setActive(false))),
    replaceProfile: () => phase((i) => call(200, 'PUT', `/Users/${ids[i]}`, okta.replace(ids[i]!, `user-${i}@${domain}`, `ext-${i}`, 'Renamed', `No ${i}`, false))),
    remove: () => phase((i) => call(204, 'DELETE', `/Users/${ids[i]}`)),
  };
}
