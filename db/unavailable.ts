import postgres from 'postgres';

/** Socket errors and the postgres client's own codes for a connection that failed or went away. */
const connectionCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED']);

/**
 * SQLSTATEs of a server out of reach or overloaded: class 08 (connection exceptions), 57P01-57P03
 * (shutting down, crashed, starting up), 53300 (too many connections), and the session bounds that
 * turn overload into a failure instead of a hang: 57014 (statement timeout), 55P03 (lock timeout),
 * 25P03 (idle in transaction too long).
 */
const unavailableStates = /^(08...|57P0[123]|53300|57014|55P03|25P03)$/;

/** The request was fine and may succeed in a moment (503), unlike a bug (500). */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof postgres.PostgresError) return unavailableStates.test(err.code);
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && connectionCodes.has(code);
}
