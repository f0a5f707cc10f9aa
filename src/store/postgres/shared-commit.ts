import type { PostgresDatabase } from './database.js';

/**
 * Writes that may share one transaction: callers that arrive while one commit is under way wait
 * for it and then go together in the next one, so N concurrent callers pay one commit rather
 * than N. This matters twice over on PostgreSQL: a commit waits for its WAL flush, and a
 * transaction that sends NOTIFY (the prompt and event triggers do) holds a database-wide lock
 * from before its commit record until the commit ends, so such commits never share a flush and
 * run strictly one after another. Each caller still gets its answer only after the commit that
 * holds its rows, as with a transaction of its own.
 */
export function createSharedCommit<I, O>(db: PostgresDatabase, write: (items: readonly I[]) => Promise<O[]>): (items: readonly I[]) => Promise<O[]> {
  interface Waiter {
    readonly items: readonly I[];
    resolve(results: O[]): void;
    reject(error: unknown): void;
  }
  let waiting: Waiter[] = [];
  let running = false;

  const alone = (waiter: Waiter): Promise<void> =>
    db.transaction(() => write(waiter.items)).then(waiter.resolve, waiter.reject);

  const commit = async (batch: readonly Waiter[]): Promise<void> => {
    if (batch.length === 1) return alone(batch[0] as Waiter);
    let results: O[];
    try {
      results = await db.transaction(() => write(batch.flatMap((w) => w.items)));
    } catch {
      // One caller's rows must not fail another's: each goes again on its own and gets its own outcome.
      for (const waiter of batch) await alone(waiter);
      return;
    }
    let at = 0;
    for (const waiter of batch) {
      waiter.resolve(results.slice(at, at + waiter.items.length));
      at += waiter.items.length;
    }
  };

  const drain = async (): Promise<void> => {
    running = true;
    try {
      while (waiting.length > 0) {
        const batch = waiting;
        waiting = [];
        await commit(batch);
      }
    } finally {
      running = false;
    }
  };

  return (items) => {
    // Inside a caller's transaction the rows belong to that transaction.
    if (db.inTransaction) return write(items);
    return new Promise<O[]>((resolve, reject) => {
      waiting.push({ items, resolve, reject });
      if (!running) void drain();
    });
  };
}
