import type { Configuration } from 'openid-client';
import type { Config } from '../config/index.ts';
import type { Sql } from '../db/client.ts';
import { discover } from './oidc.ts';
import { decryptSecret } from './tokens.ts';

export interface SsoConnection {
  id: string;
  orgId: string;
  orgSlug: string;
  orgName: string;
  issuer: string;
  clientId: string;
  sealedSecret: string;
  extraScopes: string[];
  updatedAt: Date;
}

const select = (sql: Sql) => sql`
  select c.id, c.org_id as "orgId", o.slug as "orgSlug", o.name as "orgName", c.issuer, c.client_id as "clientId",
    c.client_secret_encrypted as "sealedSecret", c.extra_scopes as "extraScopes", c.updated_at as "updatedAt"
  from sso_connections c join organisations o on o.id = c.org_id`;

export async function connectionByOrg(sql: Sql, orgSlug: string): Promise<SsoConnection | undefined> {
  const [row]: [SsoConnection?] = await sql`${select(sql)} where o.slug = ${orgSlug}`;
  return row;
}

export async function connectionById(sql: Sql, id: string): Promise<SsoConnection | undefined> {
  const [row]: [SsoConnection?] = await sql`${select(sql)} where c.id = ${id}`;
  return row;
}

const DISCOVERY_TTL_MS = 5 * 60_000;
const discovered = new Map<string, { at: number; configuration: Promise<Configuration> }>();

/**
 * Discovery results are cached per connection version for a few minutes: a cache, not state;
 * any api replica rebuilds it from PostgreSQL and the issuer.
 */
export function oidcConfiguration(config: Config, connection: SsoConnection): Promise<Configuration> {
  const key = `${connection.id}@${connection.updatedAt.toISOString()}`;
  const hit = discovered.get(key);
  if (hit && Date.now() - hit.at < DISCOVERY_TTL_MS) return hit.configuration;
  const configuration = discover(
    {
      issuer: connection.issuer,
      clientId: connection.clientId,
      clientSecret: decryptSecret(config.encryptionKey, connection.sealedSecret),
    },
    config.env,
  );
  discovered.set(key, { at: Date.now(), configuration });
  configuration.catch(() => discovered.delete(key));
  return configuration;
}
