import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ListQuery } from '../../src/store/index.js';
import { openTestStore, STORE_KINDS } from '../helpers/stores.js';

/** Bodies whose JSON text is easy to get wrong when spliced rather than serialised. */
const BODIES: readonly Record<string, unknown>[] = [
  {},
  { a: 1 },
  { '2': 'two', b: [1, { c: null }], '1': 'one', '': 'empty key' },
  { text: 'quote " backslash \\ newline \n tab \t nul \u0000 emoji 😀 lone \ud800 é', n: -1.5e-7, big: 1e21 },
  { nested: { id: 'not the server id', create_time: 'nested copies stay' }, list: [[], {}, [[{}]]] },
  { kind: 'k1', ok: true, no: false, nothing: null },
];

for (const kind of STORE_KINDS) test(`${kind}: getJson is the JSON text of what get returns, byte for byte, before and after writes`, async (t) => {
  const { documents } = await openTestStore(kind, t);
  for (const body of BODIES) {
    const { document } = await documents.create('texts', { ...body, id: 'client copy', update_time: 'dropped' });
    for (const write of [
      async () => undefined,
      () => documents.replace('texts', document.id, { ...body, replaced: true }),
      () => documents.patch('texts', document.id, { replaced: null, patched: { deep: [1] } }),
    ]) {
      await write();
      const record = await documents.get('texts', document.id);
      const text = await documents.getJson('texts', document.id);
      assert.ok(record && text);
      assert.equal(text.json, JSON.stringify(record.document));
      assert.equal(text.revision, record.revision);
    }
  }
  assert.equal(await documents.getJson('texts', '00000000-0000-4000-8000-000000000000'), undefined);
});

for (const kind of STORE_KINDS) test(`${kind}: listJson pages are the JSON texts of list pages, with the same cursors, filters and order`, async (t) => {
  const { documents } = await openTestStore(kind, t);
  for (let round = 0; round < 3; round++) for (const body of BODIES) await documents.create('pages', body);
  const queries: ListQuery[] = [
    { order: 'desc', limit: 4 },
    { order: 'asc', limit: 5 },
    { order: 'desc', limit: 2, where: { kind: 'k1' } },
    { order: 'asc', limit: 1, where: { ok: true, kind: 'k1' } },
    { order: 'asc', limit: 2, where: { text: BODIES[3]?.text as string } },
    { order: 'desc', limit: 50 },
  ];
  for (const query of queries) {
    let cursor: string | undefined;
    let pages = 0;
    do {
      const paged: ListQuery = cursor === undefined ? query : { ...query, cursor };
      const page = await documents.list('pages', paged);
      const text = await documents.listJson('pages', paged);
      assert.deepEqual(text.items, page.items.map((item) => JSON.stringify(item)), JSON.stringify(paged));
      assert.equal(text.nextCursor, page.nextCursor);
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor !== undefined && pages < 20);
    assert.ok(pages < 20, 'paging ends');
  }
  assert.deepEqual(await documents.listJson('nobody-home', { order: 'desc', limit: 10 }), { items: [], nextCursor: null });
});
