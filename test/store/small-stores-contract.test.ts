import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import type { AssetRecord, Store } from '../../src/store/index.js';
import type { PostgresStore } from '../../src/store/postgres/store.js';
import { openSharedTestStore, openTestStore, STORE_KINDS, type StoreKind } from '../helpers/stores.js';

const HOUR = 3_600_000;

function asset(overrides: Partial<AssetRecord> = {}): AssetRecord {
  return {
    id: randomUUID(),
    hash: 'blake3:aa',
    sizeBytes: 3,
    contentType: 'image/png',
    filePath: null,
    tags: ['input', 'x'],
    file: { type: 'input', subfolder: 'automa-assets', name: 'aa.png' },
    jobId: null,
    nodeId: null,
    createdAt: 1_000,
    expiresAt: null,
    ...overrides,
  };
}

/** Prompts (the in-use test of assets.remove) come with the automation migration; PostgreSQL's is another port. */
async function hasPromptTable(kind: StoreKind, store: Store): Promise<boolean> {
  if (kind === 'sqlite') return true;
  const row = await (store as PostgresStore).db.one<{ t: string | null }>(`SELECT to_regclass('prompts')::text AS t`);
  return row?.t !== null && row?.t !== undefined;
}

for (const kind of STORE_KINDS) {
  test(`${kind}: backend changes keep one row per name, listed in the order names first appeared`, async (t) => {
    const { backendChanges } = await openTestStore(kind, t);
    assert.deepEqual(await backendChanges.list(), []);
    await backendChanges.save({ name: 'b', url: 'http://b', draining: false, removed: false });
    await backendChanges.save({ name: 'a', url: null, draining: true, removed: false });
    await backendChanges.save({ name: 'b', url: 'http://b2', draining: true, removed: true });
    assert.deepEqual(await backendChanges.list(), [
      { name: 'b', url: 'http://b2', draining: true, removed: true },
      { name: 'a', url: null, draining: true, removed: false },
    ]);
  });

  test(`${kind}: backend files remember one hash per backend, folder and name; forgetting a backend leaves the others`, async (t) => {
    const { backendFiles } = await openTestStore(kind, t);
    const key = { backend: 'one', type: 'input', subfolder: '', name: 'a.png' } as const;
    assert.equal(await backendFiles.get(key), undefined);
    await backendFiles.put(key, 'h1');
    await backendFiles.put({ ...key, subfolder: 'sub' }, 'h2');
    await backendFiles.put({ ...key, backend: 'two' }, 'h3');
    await backendFiles.put(key, 'h4');
    assert.equal(await backendFiles.get(key), 'h4');
    assert.equal(await backendFiles.get({ ...key, type: 'temp' }), undefined);
    assert.equal(await backendFiles.forgetBackend('one'), 2);
    assert.equal(await backendFiles.get(key), undefined);
    assert.equal(await backendFiles.get({ ...key, backend: 'two' }), 'h3');
    assert.equal(await backendFiles.forgetBackend('one'), 0);
  });

  test(`${kind}: an idempotency key is claimed once; the claim answers later tries until released or aged out`, async (t) => {
    // The store drops claims older than maxAge by its own clock (Date.now()).
    const now = Date.now();
    const { idempotencyKeys: keys } = await openTestStore(kind, t);
    const first = { fingerprint: 'f1', resultId: 'r1', createdAt: now };
    assert.deepEqual(await keys.claim('upload', 'k', first, HOUR), { claimed: true });
    assert.deepEqual(await keys.claim('upload', 'k', { fingerprint: 'f2', resultId: 'r2', createdAt: now }, HOUR), { claimed: false, existing: first });
    assert.deepEqual(await keys.claim('other', 'k', { ...first, resultId: 'r3' }, HOUR), { claimed: true }, 'scopes are apart');
    await keys.release('upload', 'k');
    const old = { fingerprint: 'f4', resultId: 'r4', createdAt: now - 2 * HOUR };
    assert.deepEqual(await keys.claim('upload', 'k', old, 3 * HOUR), { claimed: true });
    assert.deepEqual(await keys.claim('upload', 'k', first, 3 * HOUR), { claimed: false, existing: old });
    assert.deepEqual(await keys.claim('upload', 'k', { fingerprint: 'f5', resultId: 'r5', createdAt: now }, HOUR), { claimed: true }, 'the old claim aged out');
  });

  test(`${kind}: assets: a job output is minted once; byHash finds the oldest; records read back as written`, async (t) => {
    const { assets } = await openTestStore(kind, t);
    const upload = asset({ tags: [], filePath: 'a/b.png', expiresAt: 9_000 });
    assert.deepEqual(await assets.insert(upload), upload);
    assert.deepEqual(await assets.get(upload.id), upload);
    const older = asset({ createdAt: 500, hash: 'blake3:aa' });
    await assets.insert(older);
    assert.deepEqual(await assets.byHash('blake3:aa'), older);
    assert.equal(await assets.byHash('blake3:none'), undefined);
    assert.equal(await assets.get(randomUUID()), undefined);

    const output = { jobId: 'job-1', nodeId: '9', file: { type: 'output', subfolder: '', name: 'o.png' } } as const;
    const minted = asset({ ...output, hash: 'blake3:bb' });
    assert.deepEqual(await assets.insert(minted), minted);
    const again = asset({ ...output, hash: 'blake3:bb' });
    assert.deepEqual(await assets.insert(again), minted, 'the first record of a job output wins');
    assert.equal(await assets.get(again.id), undefined);
    assert.deepEqual(await assets.jobOutput('job-1', '9', output.file), minted);
    assert.equal(await assets.jobOutput('job-1', '8', output.file), undefined);
  });

  test(`${kind}: assets: removing a record says whether another record still holds its file`, async (t) => {
    const store = await openTestStore(kind, t);
    if (!(await hasPromptTable(kind, store))) return void t.todo('prompts table not ported to PostgreSQL yet (migration 2)');
    const { assets } = store;
    const a = asset();
    const b = asset({ hash: 'blake3:aa' });
    await assets.insert(a);
    await assets.insert(b);
    await assets.useInJob('finished-or-absent-job', [a.id, a.id]);
    assert.deepEqual(await assets.remove(a.id), { removed: true, fileStillUsed: true, file: a.file });
    assert.deepEqual(await assets.remove(a.id), { removed: false, reason: 'absent' });
    assert.deepEqual(await assets.remove(b.id), { removed: true, fileStillUsed: false, file: b.file });
  });
}

/** Two gateways on one database, each presenting the same keys at once. */
test('postgres: of two gateways claiming the same idempotency keys at once, exactly one claims each', async (t: TestContext) => {
  const { store: a, another } = await openSharedTestStore('postgres', t);
  const b = await another();
  const now = Date.now();
  for (let i = 0; i < 25; i++) {
    const results = await Promise.all(
      [a, b].map((store, n) => store.idempotencyKeys.claim('run', `key-${i}`, { fingerprint: 'f', resultId: `g${n}`, createdAt: now }, HOUR)),
    );
    const winners = results.filter((r) => r.claimed);
    assert.equal(winners.length, 1, `key-${i}: one claim`);
    const loser = results.find((r) => !r.claimed);
    assert.ok(loser && !loser.claimed);
    assert.equal(loser.existing.resultId, results[0]?.claimed ? 'g0' : 'g1', 'the loser is told the winner\'s claim');
  }
});

test('postgres: a job output minted by two gateways at once has one record, which both are given', async (t) => {
  const { store: a, another } = await openSharedTestStore('postgres', t);
  const b = await another();
  for (let i = 0; i < 10; i++) {
    const output = { jobId: `job-${i}`, nodeId: '1', file: { type: 'output', subfolder: '', name: `${i}.png` } } as const;
    const [ra, rb] = await Promise.all([a.assets.insert(asset(output)), b.assets.insert(asset(output))]);
    assert.equal(ra?.id, rb?.id);
  }
});
