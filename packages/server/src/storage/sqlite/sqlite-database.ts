/**
 * The subset of an embedded SQLite driver Cinder uses (modelled on better-sqlite3), described
 * here so the storage code depends on this interface and never on a driver.
 */
export interface SqliteDatabase {
  /** Prepare a statement whose rows have the shape `Row` (the caller's word: SQLite does not check it). */
  prepare<Row = unknown>(sql: string): SqliteStatement<Row>;
  exec(sql: string): unknown;
  /** Run a pragma; with `simple`, return the first column of the first row. */
  pragma(source: string, options?: { simple?: boolean }): unknown;
  /**
   * Wrap `fn` so each call runs in one transaction, rolled back if it throws. Called inside
   * another transaction, it runs in a savepoint instead (only its own work is rolled back).
   */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  close(): unknown;
}

/** A prepared statement. Parameters are positional. */
export interface SqliteStatement<Row = unknown> {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): Row | undefined;
  all(...params: unknown[]): Row[];
}

/** Opens a database file (created if missing). */
export type SqliteOpener = (file: string) => SqliteDatabase;
