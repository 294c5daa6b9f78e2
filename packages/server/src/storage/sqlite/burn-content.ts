import type { SqliteDatabase, SqliteStatement } from './sqlite-database.ts';

/**
 * Where a burn message's content lives in SQLite, and how its bytes leave the file.
 *
 * `secure_delete` zeroes a deleted cell, but not the copies SQLite leaves when it moves cells: a
 * B-tree balance rebuilds a leaf from its end (rebuildPage) and never clears the gap between the
 * cell pointer array and the new cell content area, so cells that moved to a sibling stay
 * readable there for as long as the page lives, and outlive their burn. Only a freed page is
 * zeroed whole.
 *
 * So burn content lives apart from everything else, in generations: small tables
 * `burn_content_<g>` (n = the message's `messages.n`, text, ext) that take the inserts of up to
 * `GENERATION_ROWS` messages or `GENERATION_BYTES` of content each. Every copy of a message's
 * content lies in a page of the table that holds it now (cells move only within their B-tree; a
 * rewrite or merge drops the table it copied from), so a burn marks that one generation dirty. A
 * scrub, run before the checkpoint that empties the WAL (a second after a burn, at close, and at
 * a start after a crash), rewrites each dirty generation: its live rows are copied in key order
 * into a fresh table, and the old table is dropped, which frees and (secure_delete) zeroes every
 * page it had, residue included; an emptied generation is only dropped, and a sparse older one
 * moves its rows into the current generation and is dropped. The cost is the live rows of the
 * generations burns touched: in a steady stream of burns, the newest generation or two, mostly
 * emptied; at most a generation's worth per rewrite, one rewrite per event-loop turn.
 */

/** Messages whose content one generation takes before the next one starts. */
export const GENERATION_ROWS = 512;
/** Content bytes (UTF-16 code units of text and ext) one generation takes before the next one starts. */
export const GENERATION_BYTES = 512 * 1024;
/**
 * A dirty older generation with at most this many live rows moves them into the current one
 * (which is rewritten in the same scrub) and is dropped, so rows that wait long for their burn
 * (up to the longest ttl) gather in a few tables instead of keeping one table each alive.
 */
export const MERGE_ROWS = 128;

const PREFIX = 'burn_content_';
const SCRUB_TABLE = 'burn_content_scrub';

function tableOf(generation: number): string {
  return `${PREFIX}${generation}`;
}

function createTable(name: string): string {
  return `CREATE TABLE ${name} (n INTEGER PRIMARY KEY, text TEXT NOT NULL, ext TEXT)`;
}

interface GenerationStatements {
  insert: SqliteStatement;
  read: SqliteStatement;
  remove: SqliteStatement;
}

/** The content of unburned burn messages, in generation tables (see above). */
export class BurnContent {
  readonly #db: SqliteDatabase;
  readonly #statements = new Map<number, GenerationStatements>();
  /** Generations a row left (a burn) since their last scrub. */
  readonly #dirty = new Set<number>();
  #current = 0;
  #rows = 0;
  #bytes = 0;

  /**
   * Load the generations of the file and start a fresh one for this run's inserts. After a
   * crash (`crashed`: the last run did not close) the generations its burns touched are unknown,
   * so every one is rewritten; after a clean stop the empty ones are dropped. Nothing is dropped
   * after a crash, because "crash" is also what a second storage open on the same file sees.
   */
  constructor(db: SqliteDatabase, crashed: boolean) {
    this.#db = db;
    db.exec(`DROP TABLE IF EXISTS ${SCRUB_TABLE}`);
    for (const generation of this.#generations()) {
      this.#statements.set(generation, this.#prepare(generation));
      this.#rewrite(generation, crashed ? 'rewrite' : 'drop-if-empty');
    }
    this.#startGeneration();
  }

  /** Every generation in the file, oldest first. */
  #generations(): number[] {
    const rows = this.#db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'burn_content_[0-9]*'")
      .all() as { name: string }[];
    return rows.map((r) => Number(r.name.slice(PREFIX.length))).sort((a, b) => a - b);
  }

  /** The generation that takes inserts now. */
  get generation(): number {
    return this.#current;
  }

  /** Store a message's content in the current generation (inside the write's transaction). */
  insert(n: number, text: string, ext: string | null): void {
    const generation = this.#current;
    this.#stmts(generation).insert.run(n, text, ext);
    this.#rows += 1;
    this.#bytes += text.length + (ext?.length ?? 0);
  }

  read(generation: number, n: number): { text: string; ext: string | null } | undefined {
    return this.#stmts(generation).read.get(n) as { text: string; ext: string | null } | undefined;
  }

  /** Delete a message's content (inside the burn's transaction); its generation is scrubbed next. */
  remove(generation: number, n: number): void {
    this.#stmts(generation).remove.run(n);
    this.#dirty.add(generation);
  }

  /** Start the next generation once this one is full. Outside any transaction (a schema change). */
  rotate(): void {
    if (this.#rows >= GENERATION_ROWS || this.#bytes >= GENERATION_BYTES) this.#startGeneration();
  }

  /** The generations burns touched since their last scrub, oldest first. */
  dirtyGenerations(): number[] {
    return [...this.#dirty].sort((a, b) => a - b);
  }

  /**
   * Rewrite (or drop, or merge) one dirty generation in its own transaction (see above), so that
   * no page keeps a copy of content deleted from it. Outside any transaction; a generation that
   * is no longer dirty (scrubbed meanwhile) is skipped, one that fails stays dirty.
   */
  scrubGeneration(generation: number): void {
    if (!this.#dirty.delete(generation) || !this.#statements.has(generation)) return;
    try {
      this.#rewrite(generation, 'scrub');
    } catch (error) {
      this.#dirty.add(generation);
      throw error;
    }
  }

  /** Scrub every dirty generation at once (close, start). */
  scrub(): void {
    for (const generation of this.dirtyGenerations()) this.scrubGeneration(generation);
  }

  /** Rewrite a generation, or drop it when it is empty and takes no inserts (not in `rewrite`). */
  #rewrite(generation: number, how: 'scrub' | 'rewrite' | 'drop-if-empty'): void {
    const db = this.#db;
    const table = tableOf(generation);
    if (how !== 'rewrite' && generation !== this.#current) {
      const live = (
        db.prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM ${table} LIMIT ${MERGE_ROWS + 1})`).get() as {
          n: number;
        }
      ).n;
      if (live === 0) {
        db.exec(`DROP TABLE ${table}`);
        this.#statements.delete(generation);
        return;
      }
      if (how === 'scrub' && live <= MERGE_ROWS) {
        this.#merge(generation);
        return;
      }
    }
    if (how === 'drop-if-empty') return;
    db.transaction(() =>
      db.exec(`${createTable(SCRUB_TABLE)};
        INSERT INTO ${SCRUB_TABLE} (n, text, ext) SELECT n, text, ext FROM ${table} ORDER BY n;
        DROP TABLE ${table};
        ALTER TABLE ${SCRUB_TABLE} RENAME TO ${table};`),
    )();
  }

  /** Move a generation's rows into the current one, point their messages there, drop it. */
  #merge(generation: number): void {
    const db = this.#db;
    const table = tableOf(generation);
    const into = this.#current;
    db.transaction(() =>
      db.exec(`INSERT INTO ${tableOf(into)} (n, text, ext) SELECT n, text, ext FROM ${table};
        UPDATE messages SET content_gen = ${into} WHERE n IN (SELECT n FROM ${table});
        DROP TABLE ${table};`),
    )();
    this.#statements.delete(generation);
  }

  #startGeneration(): void {
    const generation = Math.max(0, ...this.#statements.keys()) + 1;
    this.#db.exec(createTable(tableOf(generation)));
    this.#statements.set(generation, this.#prepare(generation));
    this.#current = generation;
    this.#rows = 0;
    this.#bytes = 0;
  }

  #prepare(generation: number): GenerationStatements {
    const table = tableOf(generation);
    return {
      insert: this.#db.prepare(`INSERT INTO ${table} (n, text, ext) VALUES (?, ?, ?)`),
      read: this.#db.prepare(`SELECT text, ext FROM ${table} WHERE n = ?`),
      remove: this.#db.prepare(`DELETE FROM ${table} WHERE n = ?`),
    };
  }

  #stmts(generation: number): GenerationStatements {
    const statements = this.#statements.get(generation);
    if (!statements) throw new Error(`No burn content generation ${generation}`);
    return statements;
  }
}
