import { ScimError, uniqueness } from '../domain/scim/errors.ts';
import { isUniqueViolation, type Queryable, type Sql } from './client.ts';
import { isTransientConflict, retryingTransientConflicts } from './transient-conflicts.ts';

/**
 * One SCIM write in one transaction, run again if PostgreSQL aborted it for a concurrent one. A
 * unique key lost to a concurrent write is the 409 `uniqueness` the resource's own checks name
 * (`taken`); a conflict that outlasts the retries is a 409 the directory repeats.
 */
export async function scimWriteTransaction<T>(sql: Sql, resource: 'User' | 'Group', taken: string, work: (tx: Queryable) => Promise<T>): Promise<T> {
  try {
    return await retryingTransientConflicts(() => sql.begin(work) as Promise<T>);
  } catch (err) {
    if (isUniqueViolation(err)) throw uniqueness(taken);
    if (isTransientConflict(err)) throw new ScimError(409, `The ${resource} was being changed by other requests at the same moment; repeat the request.`);
    throw err;
  }
}
