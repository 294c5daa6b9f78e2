/**
 * The subset of a PostgreSQL driver Cinder uses (modelled on node-postgres' `Pool`, as kysely's
 * `PostgresPool` is), described here so the storage depends on this interface and never on `pg`.
 */
export interface PostgresPool extends PostgresQueryable {
  /** Check out a connection for a transaction; it must be released. */
  connect(): Promise<PostgresPoolClient>;
  /** Close every connection. */
  end(): Promise<void>;
}

/** Something that runs one statement with positional parameters (`$1`, `$2`, …). */
export interface PostgresQueryable {
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<PostgresResult<R>>;
}

/** A checked-out connection. */
export interface PostgresPoolClient extends PostgresQueryable {
  /** Return it to the pool; with an error (or `true`) the connection is destroyed instead. */
  release(destroy?: Error | boolean): void;
}

/** The part of a query result Cinder reads. `bigint` columns arrive as strings: read them with `Number`. */
export interface PostgresResult<R> {
  rows: R[];
  rowCount: number | null;
  /** The command tag's verb (`COMMIT`, or `ROLLBACK` for the commit of a failed transaction). */
  command?: string;
}

/** Opens a pool for a connection URL (`postgres://user:pass@host:port/db`). */
export type PostgresPoolOpener = (url: string) => PostgresPool;
