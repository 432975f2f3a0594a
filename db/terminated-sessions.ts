import postgres from 'postgres';

/** 57P01 (administrator command: a shutdown, pg_terminate_backend) and 57P02 (crash shutdown): the server ended the session. */
const TERMINATED = new Set(['57P01', '57P02']);

export const isTerminatedSession = (err: unknown): boolean => err instanceof postgres.PostgresError && TERMINATED.has(err.code);

type Thenable = PromiseLike<unknown> & { then: PromiseLike<unknown>['then'] };

/**
 * postgres.js 3.4.9 keeps the error of a session the server ended while a statement ran on it, and
 * rejects the first statement of that pooled connection's next session with it, however much later
 * (porsager/postgres#1223): after a PostgreSQL restart a request could fail with "terminating
 * connection due to administrator command" a minute after the server was back. Such a statement, or
 * a transaction whose BEGIN got it, is run once more. That is safe: in this client a statement in
 * flight when its session ends fails with CONNECTION_CLOSED, so one rejected with a session-ending
 * SQLSTATE was never sent (it is the replayed error, or it was waiting for a session still starting
 * up). A second failure is thrown as it came (the server really is going away).
 */
export function retryingTerminatedSessions(sql: postgres.Sql): postgres.Sql {
  return new Proxy(sql, {
    apply(target, self, args: unknown[]) {
      const query: unknown = Reflect.apply(target, self, args);
      // sql(values) and sql(identifier) build fragments, which are never awaited on their own.
      if (!isThenable(query)) return query;
      const firstRun = query.then.bind(query);
      const modified = recordModifiers(query);
      const runAgain = () => modified.reduce((again, [name, modifierArgs]) => again[name](...modifierArgs), Reflect.apply(target, self, args) as Modifiable);
      let outcome: Promise<unknown> | undefined;
      // The query object itself is returned, so it still nests in other queries as a fragment.
      Object.defineProperty(query, 'then', {
        value: (onFulfilled?: (value: unknown) => unknown, onRejected?: (reason: unknown) => unknown) =>
          (outcome ??= Promise.resolve(firstRun()).catch((err: unknown) => (isTerminatedSession(err) ? runAgain() : Promise.reject(err)))).then(onFulfilled, onRejected),
      });
      return query;
    },
    get(target, property, receiver) {
      if (property !== 'begin') return Reflect.get(target, property, receiver);
      return async (...args: unknown[]) => {
        const body = args.pop() as (tx: postgres.TransactionSql) => unknown;
        let started = false;
        const begin = target.begin as (...a: unknown[]) => Promise<unknown>;
        try {
          return await begin(...args, (tx: postgres.TransactionSql) => ((started = true), body(tx)));
        } catch (err) {
          // Only a transaction that never reached its body is run again: its BEGIN got the error.
          if (started || !isTerminatedSession(err)) throw err;
          return begin(...args, body);
        }
      };
    },
  });
}

const isThenable = (value: unknown): value is Thenable => typeof (value as { then?: unknown } | null)?.then === 'function';

/**
 * What shapes a query's answer besides its text (`.values()`, `.raw()`, `.forEach(fn)`, `.simple()`,
 * `.describe()`) is state on the query object; a run once more is a new query, so it is given the
 * same calls, or it would answer objects for `.values()` and never call a `.forEach` callback.
 */
const MODIFIERS = ['values', 'raw', 'forEach', 'simple', 'describe'] as const;
type Modifier = (typeof MODIFIERS)[number];
type Modifiable = Record<Modifier, (...args: unknown[]) => Modifiable>;

function recordModifiers(query: object): [Modifier, unknown[]][] {
  const calls: [Modifier, unknown[]][] = [];
  for (const name of MODIFIERS) {
    const modify = (query as Modifiable)[name];
    Object.defineProperty(query, name, { value: (...args: unknown[]) => (calls.push([name, args]), modify.apply(query, args)) });
  }
  return calls;
}
