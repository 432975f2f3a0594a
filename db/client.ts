import postgres from 'postgres';

export type Sql = postgres.Sql;

export function createSql(databaseUrl: string, options: postgres.Options<Record<string, never>> = {}): Sql {
  return postgres(databaseUrl, {
    max: 10,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
    ...options,
  });
}

/** A unique constraint refused the row: the caller turns that into a clear conflict. */
export const isUniqueViolation = (err: unknown): boolean => err instanceof postgres.PostgresError && err.code === '23505';

/** A pool or an open transaction: helpers that only run statements accept either. */
export type Queryable = Sql | postgres.TransactionSql;
