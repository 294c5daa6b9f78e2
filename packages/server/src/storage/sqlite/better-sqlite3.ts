import Database from 'better-sqlite3';
import type { SqliteDatabase, SqliteOpener } from './sqlite-database.ts';

/** Open a file with better-sqlite3: the only place the driver is imported. */
export const openBetterSqlite3: SqliteOpener = (file): SqliteDatabase => new Database(file);
