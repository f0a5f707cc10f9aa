import { DatabaseSync, type SQLInputValue } from 'node:sqlite';

/** A value SQLite accepts as a bound parameter. */
export type SqlValue = SQLInputValue;

/**
 * A prepared statement whose parameters and row shape the caller names once, where it prepares it.
 * node:sqlite's own StatementSync types every row as `Record<string, SQLOutputValue>`; the store
 * modules know their columns, so they say so here instead of casting at every call.
 * Rows have a null prototype (node:sqlite builds them that way): copy them before handing them out
 * where a plain object matters (deepStrictEqual, spreading into JSON that checks prototypes).
 */
export interface Statement<P extends readonly SqlValue[], R> {
  get(...params: P): R | undefined;
  all(...params: P): R[];
  run(...params: P): { readonly changes: number };
}

export interface TransactionHook {
  beforeCommit(): void;
  rolledBack(): void;
}

/** The one SQLite connection the embedded store writes through. */
export interface SqliteDatabase {
  prepare<P extends readonly SqlValue[] = SqlValue[], R = unknown>(sql: string): Statement<P, R>;
  exec(sql: string): void;
  /**
   * Runs `work` inside one transaction and returns its result; rolls back if it throws. `immediate`
   * takes the write lock up front, so a read-then-write cannot fail half-way with SQLITE_BUSY.
   * Called inside another transaction it simply joins it (the outer one commits or rolls back).
   */
  transaction<T>(work: () => T, mode?: 'deferred' | 'immediate'): T;
  /** True inside `transaction` (the hooks below run for those transactions only). */
  readonly inTransaction: boolean;
  /**
   * Work to do at the end of every outermost `transaction`: `beforeCommit` may still write (its
   * writes commit with the rest, and a throw rolls everything back); `rolledBack` is told when
   * the transaction did not commit. Returns the function that removes the hook.
   */
  onTransactionEnd(hook: TransactionHook): () => void;
  /** A single-value PRAGMA read, e.g. `pragmaValue('user_version')`. */
  pragmaValue(name: string): unknown;
  readonly raw: DatabaseSync;
  close(): void;
}

/** Open a SQLite file through Node's built-in driver (no native addon to build or ship). */
export function openDatabase(file: string): SqliteDatabase {
  // timeout: how long a statement waits on another connection's lock (busy_timeout).
  const raw = new DatabaseSync(file, { enableForeignKeyConstraints: true, timeout: 5000 });
  const hooks = new Set<TransactionHook>();
  let inTransaction = false;
  return {
    raw,
    // The statement itself, not a wrapper: the store's hot reads must cost what raw node:sqlite does.
    // Its run() reports `changes` as a number because no statement here turns on setReadBigInts.
    prepare: <P extends readonly SqlValue[], R>(sql: string) => raw.prepare(sql) as unknown as Statement<P, R>,
    exec: (sql) => raw.exec(sql),
    transaction: (work, mode = 'deferred') => {
      if (raw.isTransaction) return work();
      raw.exec(mode === 'immediate' ? 'BEGIN IMMEDIATE' : 'BEGIN');
      inTransaction = true;
      try {
        const result = work();
        for (const hook of hooks) hook.beforeCommit();
        raw.exec('COMMIT');
        return result;
      } catch (error) {
        // A failed COMMIT may already have ended the transaction; only roll back one still open.
        if (raw.isTransaction) raw.exec('ROLLBACK');
        for (const hook of hooks) hook.rolledBack();
        throw error;
      } finally {
        inTransaction = false;
      }
    },
    get inTransaction() {
      return inTransaction;
    },
    onTransactionEnd: (hook) => {
      hooks.add(hook);
      return () => hooks.delete(hook);
    },
    pragmaValue: (name) => {
      const row = raw.prepare(`PRAGMA ${name}`).get();
      return row === undefined ? undefined : Object.values(row)[0];
    },
    close: () => raw.close(),
  };
}
