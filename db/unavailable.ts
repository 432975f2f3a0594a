import postgres from 'postgres';

/** Socket errors and the postgres client's own codes for a connection that failed or went away. */
const connectionCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED']);

/**
 * PostgreSQL could not be reached or is shutting down, starting up or out of connections: the
 * request was fine and may succeed in a moment (503), unlike a bug (500). SQLSTATE class 08 is
 * connection exceptions, 57P01-57P03 shutdowns and start-up, 53300 too many connections.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof postgres.PostgresError) return err.code.startsWith('08') || /^57P0[123]$/.test(err.code) || err.code === '53300';
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && connectionCodes.has(code);
}
