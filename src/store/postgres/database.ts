import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';

/** A value the pg driver binds as a parameter (an array binds as a PostgreSQL array literal). */
export type PgValue = string | number | boolean | null | Buffer | readonly (string | number | null)[];

export interface PgTransactionHook {
  /** May still write (on the same connection, through `db.query`): its writes commit with the rest; a throw rolls back. */
  beforeCommit(): Promise<void>;
  rolledBack(): void;
}

/** Called for each NOTIFY on a channel this connection listens to. */
export type NotificationListener = (payload: string) => void;

/**
 * The PostgreSQL store's connection pool. `query` runs on the current transaction's connection
 * when called inside `transaction` (found through AsyncLocalStorage, as SQLite's one connection
 * finds it), else on any pooled connection, so store modules read like their SQLite twins.
 */
export interface PostgresDatabase {
  /** The schema every connection works in (search_path); tests give each their own. */
  readonly schema: string;
  query<R = Record<string, unknown>>(sql: string, params?: readonly PgValue[]): Promise<R[]>;
  /** The first row, or undefined. */
  one<R = Record<string, unknown>>(sql: string, params?: readonly PgValue[]): Promise<R | undefined>;
  /** Rows changed. */
  run(sql: string, params?: readonly PgValue[]): Promise<number>;
  /**
   * Runs `work` in one transaction on one connection and returns its result; rolls back if it
   * throws. Inside another transaction it joins it. A serialization failure or deadlock is
   * retried (the work runs again from the start), so `work` must be safe to repeat.
   */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  readonly inTransaction: boolean;
  /** As SqliteDatabase.onTransactionEnd: work at the end of every outermost transaction. */
  onTransactionEnd(hook: PgTransactionHook): () => void;
  /** LISTEN on `channel` (scoped to this schema) on a dedicated connection that reconnects. */
  listen(channel: string, listener: NotificationListener): Promise<() => void>;
  /** The channel name NOTIFY must use to reach `listen(channel)` in this schema (triggers build it the same way). */
  channelName(channel: string): string;
  /** Told after the listening connection came back from a drop (notifications in between were missed). */
  onListenerReconnected(listener: () => void): () => void;
  close(): Promise<void>;
}

export interface PostgresOptions {
  readonly url: string;
  /** Default `public`. Created if missing. */
  readonly schema?: string;
  readonly maxConnections?: number;
}

const INT8 = 20;
const NUMERIC = 1700;
// Counters and millisecond times fit a double exactly; strings would leak into every caller.
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === INT8 || oid === NUMERIC ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format),
};

const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Open a pool on `url` whose connections work in `schema`. Nothing is sent until the first query. */
export function openPostgres(options: PostgresOptions): PostgresDatabase {
  const schema = options.schema ?? 'public';
  const connection = {
    connectionString: options.url,
    options: `-c search_path=${schema}`,
    types,
    // Each gateway keeps its connections: the database is the one place that knows of them all.
    application_name: 'comfyui-automa',
  };
  const pool = new pg.Pool({ ...connection, max: options.maxConnections ?? 10, idleTimeoutMillis: 30_000 });
  // An idle client whose server went away errors on the pool; the next checkout makes a new one.
  pool.on('error', () => undefined);
  const storage = new AsyncLocalStorage<pg.PoolClient>();
  const hooks = new Set<PgTransactionHook>();
  const listeners = new Map<string, Set<NotificationListener>>();
  const reconnectListeners = new Set<() => void>();
  let listener: pg.Client | null = null;
  let listenerReady: Promise<pg.Client> | null = null;
  let closed = false;

  const runner = (): pg.Pool | pg.PoolClient => storage.getStore() ?? pool;
  const query = async <R>(sql: string, params: readonly PgValue[] = []): Promise<R[]> =>
    (await runner().query(sql, params as PgValue[])).rows as R[];

  const attempt = async <T>(work: () => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      return await storage.run(client, async () => {
        try {
          const result = await work();
          for (const hook of hooks) await hook.beforeCommit();
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {
            broken = true;
          });
          for (const hook of hooks) hook.rolledBack();
          throw error;
        }
      });
    } finally {
      client.release(broken);
    }
  };

  const channelName = (channel: string): string => `${schema}.${channel}`;

  const connectListener = (): Promise<pg.Client> =>
    (listenerReady ??= (async () => {
      const client = new pg.Client(connection);
      client.on('notification', (message) => {
        for (const fn of listeners.get(message.channel) ?? []) fn(message.payload ?? '');
      });
      client.on('error', () => {
        // The connection dropped: forget it and come back with every channel, then say so (the
        // notifications in between are lost; listeners re-read what they track).
        listener = null;
        listenerReady = null;
        void client.end().catch(() => undefined);
        if (!closed) setTimeout(() => void relisten(), 500).unref();
      });
      await client.connect();
      for (const name of listeners.keys()) await client.query(`LISTEN ${quoteIdent(name)}`);
      listener = client;
      return client;
    })());

  const relisten = async (): Promise<void> => {
    if (closed) return;
    try {
      await connectListener();
      for (const fn of reconnectListeners) fn();
    } catch {
      listenerReady = null;
      if (!closed) setTimeout(() => void relisten(), 1000).unref();
    }
  };

  return {
    schema,
    query,
    one: async (sql, params) => (await query(sql, params))[0] as never,
    run: async (sql, params = []) => (await runner().query(sql, params as PgValue[])).rowCount ?? 0,
    transaction: async (work) => {
      if (storage.getStore()) return work();
      for (let tries = 1; ; tries++) {
        try {
          return await attempt(work);
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          if (tries >= 5 || typeof code !== 'string' || !RETRYABLE.has(code)) throw error;
        }
      }
    },
    get inTransaction() {
      return storage.getStore() !== undefined;
    },
    onTransactionEnd: (hook) => {
      hooks.add(hook);
      return () => hooks.delete(hook);
    },
    channelName,
    listen: async (channel, fn) => {
      const name = channelName(channel);
      let set = listeners.get(name);
      if (!set) {
        set = new Set();
        listeners.set(name, set);
        const client = await connectListener();
        // connectListener LISTENs on every channel known when it connected; a later one is added here.
        await client.query(`LISTEN ${quoteIdent(name)}`);
      } else await connectListener();
      set.add(fn);
      return () => set.delete(fn);
    },
    onListenerReconnected: (fn) => {
      reconnectListeners.add(fn);
      return () => reconnectListeners.delete(fn);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      const client = listener ?? (listenerReady ? await listenerReady.catch(() => null) : null);
      await client?.end().catch(() => undefined);
      await pool.end();
    },
  };
}
