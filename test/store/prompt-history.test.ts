/**
 * History in both prompt stores: pages in ComfyUI's order, retention by count and by age, and a
 * page served again from memory is never stale after the history changes.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { Store } from '../../src/store/index.js';
import { openTestStore, STORE_KINDS } from '../helpers/stores.js';

/** Queue a prompt and finish it at `endTime`; returns its id. */
async function finished(store: Store, endTime: number): Promise<string> {
  const id = randomUUID();
  await store.prompts.insert({ id, number: endTime, prompt: {}, extraData: {}, outputsToExecute: [], clientId: null, createTime: endTime });
  const entry = { prompt: [endTime, id, {}, {}, []], outputs: {}, status: { status_str: 'success', completed: true, messages: [] }, meta: {} };
  assert.equal(await store.prompts.finish(id, { state: 'completed', startTime: endTime, endTime, entry }), true);
  return id;
}

const pageIds = async (store: Store, maxItems: number | null, offset: number | null): Promise<string[]> =>
  Object.keys(JSON.parse((await store.prompts.historyPageJson(maxItems, offset)).toString()) as object);

for (const kind of STORE_KINDS) {
  test(`${kind}: history pages follow ComfyUI: oldest first, newest N without offset, N from an offset`, async (t) => {
    const store = await openTestStore(kind, t);
    const ids = [];
    for (let i = 1; i <= 5; i++) ids.push(await finished(store, i * 1000));
    assert.deepEqual(await pageIds(store, null, null), ids);
    assert.deepEqual(await pageIds(store, 2, null), ids.slice(3));
    assert.deepEqual(await pageIds(store, 2, 1), ids.slice(1, 3));
    assert.deepEqual(await pageIds(store, null, 4), ids.slice(4));
    assert.deepEqual(await pageIds(store, 0, null), []);
  });

  test(`${kind}: a page read again reflects every change: a new entry, a deletion, pruning`, async (t) => {
    const store = await openTestStore(kind, t);
    const first = await finished(store, 1000);
    assert.deepEqual(await pageIds(store, 10, null), [first]);
    const second = await finished(store, 2000);
    assert.deepEqual(await pageIds(store, 10, null), [first, second], 'after finish');
    await store.prompts.deleteHistory([first]);
    assert.deepEqual(await pageIds(store, 10, null), [second], 'after delete');
    const third = await finished(store, 3000);
    assert.deepEqual(await pageIds(store, 10, null), [second, third]);
    assert.equal(await store.prompts.pruneHistory({ maxItems: 1, maxAgeMs: 0 }, 4000), 1);
    assert.deepEqual(await pageIds(store, 10, null), [third], 'after pruning');
    await store.prompts.deleteHistory('all');
    assert.deepEqual(await pageIds(store, 10, null), [], 'after clear');
  });

  test(`${kind}: retention: by count keeps the newest, by age drops what ended before now - max age; 0 means no limit`, async (t) => {
    const store = await openTestStore(kind, t);
    const ids = [];
    for (let i = 1; i <= 6; i++) ids.push(await finished(store, i * 1000));
    assert.equal(await store.prompts.pruneHistory({ maxItems: 0, maxAgeMs: 0 }, 10_000), 0, 'no limits: nothing goes');
    assert.equal(await store.prompts.pruneHistory({ maxItems: 4, maxAgeMs: 0 }, 10_000), 2);
    assert.deepEqual(await pageIds(store, null, null), ids.slice(2));
    assert.equal(await store.prompts.pruneHistory({ maxItems: 0, maxAgeMs: 5_500 }, 10_000), 2, 'ended at 3000 and 4000');
    assert.deepEqual(await pageIds(store, null, null), ids.slice(4));
    // Pending prompts are the queue, not history: retention never touches them.
    const pending = randomUUID();
    await store.prompts.insert({ id: pending, number: 1, prompt: {}, extraData: {}, outputsToExecute: [], clientId: null, createTime: 0 });
    await store.prompts.pruneHistory({ maxItems: 1, maxAgeMs: 1 }, 10_000);
    assert.equal((await store.prompts.get(pending))?.state, 'pending');
  });
}
