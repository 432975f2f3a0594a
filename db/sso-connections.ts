import type { Queryable } from './client.ts';

export interface LiveConnectionSettings {
  orgId: string;
  issuer: string;
  clientId: string;
  sealedSecret: string;
  /** Extra scopes to request; left as they are when not given (the setup pages do not set them). */
  extraScopes?: string[];
}

/**
 * Makes these the organisation's live connection. An existing row keeps its id: identities are
 * keyed by (connection, iss, sub), so everyone who signed in before still finds their account.
 */
export async function replaceLiveConnection(sql: Queryable, settings: LiveConnectionSettings): Promise<void> {
  const keepScopes = settings.extraScopes === undefined;
  await sql`
    insert into sso_connections (org_id, issuer, client_id, client_secret_encrypted, extra_scopes)
    values (${settings.orgId}, ${settings.issuer}, ${settings.clientId}, ${settings.sealedSecret}, ${settings.extraScopes ?? []})
    on conflict (org_id) do update set issuer = excluded.issuer, client_id = excluded.client_id,
      client_secret_encrypted = excluded.client_secret_encrypted,
      extra_scopes = case when ${keepScopes} then sso_connections.extra_scopes else excluded.extra_scopes end,
      updated_at = now()`;
}

export interface LiveConnectionView {
  issuer: string;
  clientId: string;
  updatedAt: Date;
  /** Who configured it last (the actor of the latest sso.configured event), if recorded. */
  configuredBy: string | null;
}

export async function liveConnectionOf(sql: Queryable, orgId: string): Promise<LiveConnectionView | undefined> {
  const [row]: [LiveConnectionView?] = await sql`
    select c.issuer, c.client_id as "clientId", c.updated_at as "updatedAt",
      (select actor from audit_events where org_id = c.org_id and type = 'sso.configured' order by id desc limit 1) as "configuredBy"
    from sso_connections c where c.org_id = ${orgId}`;
  return row;
}
