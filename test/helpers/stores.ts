import type { TestContext } from 'node:test';
import { createPostgresStore } from '../../src/store/postgres/store.js';
import { createSqliteStore, type Store } from '../../src/store/index.js';
import { makeTempDir } from './app.js';
import { testSchema } from './postgres.js';

export type StoreKind = 'sqlite' | 'postgres';

/** Both implementations of the store contract: contract tests run once per kind. */
export const STORE_KINDS: readonly StoreKind[] = ['sqlite', 'postgres'];

/** A fresh, empty store of `kind`, closed and removed after the test. */
export async function openTestStore(kind: StoreKind, t: Pick<TestContext, 'after'>): Promise<Store> {
  if (kind === 'postgres') {
    const { url, schema } = testSchema(t);
    const store = await createPostgresStore({ url, schema, maxConnections: 4 });
    t.after(() => store.close());
    return store;
  }
  const temp = makeTempDir();
  t.after(temp.remove);
  const store = createSqliteStore({ dataDir: temp.dir });
  t.after(() => store.close());
  return store;
}

/**
 * A fresh store of `kind` and a way to open another on the same data: the same file (SQLite), or
 * the same schema (PostgreSQL: what a second gateway on the shared database sees). All are
 * closed after the test.
 */
export async function openSharedTestStore(kind: StoreKind, t: Pick<TestContext, 'after'>): Promise<{ store: Store; another(): Promise<Store> }> {
  let another: () => Promise<Store>;
  if (kind === 'postgres') {
    const { url, schema } = testSchema(t);
    another = () => createPostgresStore({ url, schema, maxConnections: 4 });
  } else {
    const temp = makeTempDir();
    t.after(temp.remove);
    another = async () => createSqliteStore({ dataDir: temp.dir });
  }
  const open = async (): Promise<Store> => {
    const store = await another();
    t.after(() => store.close());
    return store;
  };
  return { store: await open(), another: open };
}
