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
