/** Why PostgreSQL cannot be reached, in words an operator can act on. */

const CONNECTION_FAILURES: Record<string, string> = {
  ECONNREFUSED: 'refuses connections (no server listens there)',
  CONNECT_TIMEOUT: 'did not answer in time',
  ETIMEDOUT: 'did not answer in time',
  ENOTFOUND: 'has a host name that does not resolve',
  EAI_AGAIN: 'has a host name that does not resolve',
  // PostgreSQL's own codes: authentication failed, no such database, no such role.
  '28P01': 'refused the password',
  '28000': 'refused the connection for this user',
  '3D000': 'has no such database (create it, or run npm run migrate, which creates it)',
};

/** `host:port` of a postgres:// URL, without the credentials it may hold. */
export function databaseHost(url: string): string {
  const { hostname, port } = new URL(url);
  return `${hostname}:${port || 5432}`;
}

/** The error code of a failed connection or statement; several addresses for one host fail together as an AggregateError. */
export function connectionErrorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; errors?: { code?: unknown }[] } | undefined;
  const code = e?.code ?? e?.errors?.[0]?.code;
  return typeof code === 'string' ? code : undefined;
}

/** What went wrong reaching PostgreSQL, or undefined when `err` is not a failure to connect. */
export function connectionFailure(err: unknown): string | undefined {
  const code = connectionErrorCode(err);
  return code === undefined ? undefined : CONNECTION_FAILURES[code];
}
