import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPostgresStore, type PostgresStore } from '../../src/store/postgres/store.js';
import { createPostgresEventLog } from '../../src/store/postgres/events.js';
import { testSchema } from '../helpers/postgres.js';

/** Two gateways' stores on one schema. */
async function twoStores(t: Parameters<typeof testSchema>[0]): Promise<[PostgresStore, PostgresStore]> {
  const { url, schema } = testSchema(t);
  const first = await createPostgresStore({ url, schema, maxConnections: 4 });
  t.after(() => first.close());
  const second = await createPostgresStore({ url, schema, maxConnections: 4 });
  t.after(() => second.close());
  return [first, second];
}

const event = (n: number) => ({ type: 'backend.up', subject: `b${n}`, data: { n } });

/** Holds a transaction open after appending, until `release` is called; `rollback` ends it by throwing. */
function heldAppend(store: PostgresStore, n: number) {
  let release!: (commit: boolean) => void;
  const decided = new Promise<boolean>((resolve) => (release = resolve));
  let appended!: () => void;
  const inserted = new Promise<void>((resolve) => (appended = resolve));
  const log = createPostgresEventLog(store.db);
  const done = store.db
    .transaction(async () => {
      await log.appendInTx(event(n));
      appended();
      if (!(await decided)) throw new Error('rolled back on purpose');
    })
    .catch((error: unknown) => {
      if (!(error instanceof Error && error.message === 'rolled back on purpose')) throw error;
    });
  return { inserted, release, done };
}

test('postgres: a reader never skips an event whose transaction commits after a later one', async (t) => {
  const [a, b] = await twoStores(t);
  const slow = heldAppend(a, 1);
  await slow.inserted; // id 1 drawn, not committed
  await b.events.append(event(2)); // id 2 committed
  assert.deepEqual(await b.events.after(0, 10), [], 'id 2 waits behind the open gap at 1');
  slow.release(true);
  await slow.done;
  assert.deepEqual((await b.events.after(0, 10)).map((e) => e.subject), ['b1', 'b2']);
});

test('postgres: a gap left by a rolled-back append is passed once its transaction has ended', async (t) => {
  const [a, b] = await twoStores(t);
  const doomed = heldAppend(a, 1);
  await doomed.inserted;
  await b.events.append(event(2));
  assert.deepEqual(await b.events.after(0, 10), []);
  doomed.release(false);
  await doomed.done;
  assert.deepEqual((await b.events.after(0, 10)).map((e) => e.subject), ['b2']);
  // Remembered: later reads pass the gap at once.
  await b.events.append(event(3));
  assert.deepEqual((await b.events.after(0, 10)).map((e) => e.subject), ['b2', 'b3']);
});

test('postgres: a reader on another gateway is told of appends', async (t) => {
  const [a, b] = await twoStores(t);
  const heard: string[] = [];
  b.events.onAppended((_id, _type, subject) => subject !== null && heard.push(subject));
  await a.events.append(event(7));
  const deadline = Date.now() + 5_000;
  while (!heard.includes('b7') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.ok(heard.includes('b7'));
});
