/**
 * The subset of an embedded SQLite driver Cinder uses (modelled on better-sqlite3), described
 * here so the storage code depends on this interface and never on a driver.
 */
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  /** Run a pragma; with `simple`, return the first column of the first row. */
  pragma(source: string, options?: { simple?: boolean }): unknown;
  /**
   * Wrap `fn` so each call runs in one transaction, rolled back if it throws. Called inside
   * another transaction, it runs in a savepoint instead (only its own work is rolled back).
   */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  close(): void;
}

/** A prepared statement. Parameters are positional. */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/** Opens a database file (created if missing). */
export type SqliteOpener = (file: string) => SqliteDatabase;
