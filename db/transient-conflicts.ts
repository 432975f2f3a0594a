import postgres from 'postgres';

/** serialization_failure and deadlock_detected: PostgreSQL rolled the whole transaction back, so running it again is safe. */
const TRANSIENT = new Set(['40001', '40P01']);

export const isTransientConflict = (err: unknown): boolean => err instanceof postgres.PostgresError && TRANSIENT.has(err.code);

/**
 * Runs a whole transaction again when PostgreSQL aborted it as a serialization failure or a
 * deadlock, at most `attempts` times, after a short random pause (so two requests that collided do
 * not collide again in step). Any other failure, and the last transient one, is thrown as it came.
 */
export async function retryingTransientConflicts<T>(transaction: () => Promise<T>, { attempts = 5, pauseMs = 10 } = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (err) {
      if (attempt >= attempts || !isTransientConflict(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * pauseMs * 2 ** attempt));
    }
  }
}
