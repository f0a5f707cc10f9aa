/**
 * What the queue relies on from PromptStore, on both stores: inserts and their conflicts, the run
 * order of unfinished prompts, the claim that hands a prompt to one backend, finishing once,
 * cancel and removal, history pages and /api/jobs, exact integers; and, on PostgreSQL, two
 * gateways sharing one schema.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { isAppError } from '../../src/errors.js';
import { createPostgresStore } from '../../src/store/postgres/store.js';
import type { FinishInput, NewPrompt, Store } from '../../src/store/index.js';
import { testSchema } from '../helpers/postgres.js';
import { openTestStore, STORE_KINDS } from '../helpers/stores.js';

const newPrompt = (over: Partial<NewPrompt> = {}): NewPrompt => ({
  id: randomUUID(),
  number: 1,
  prompt: { '1': { class_type: 'KSampler', inputs: { seed: 1 } } },
  extraData: {},
  outputsToExecute: ['1'],
  clientId: null,
  createTime: 1_000,
  ...over,
});

const done = (endTime: number, over: Partial<FinishInput> = {}): FinishInput => ({
  state: 'completed',
  startTime: endTime - 10,
  endTime,
  entry: { prompt: [], outputs: {}, status: { status_str: 'success', completed: true, messages: [] }, meta: {} },
  ...over,
});

const eventsOf = async (store: Store, subject: string): Promise<string[]> =>
  (await store.events.after(0, 1000)).filter((e) => e.subject === subject).map((e) => e.type);

/** Two stores on one PostgreSQL schema: two gateways sharing a database. */
async function twoGateways(t: TestContext): Promise<[Store, Store]> {
  const { url, schema } = testSchema(t);
  const a = await createPostgresStore({ url, schema, maxConnections: 4 });
  t.after(() => a.close());
  const b = await createPostgresStore({ url, schema, maxConnections: 4 });
  t.after(() => b.close());
  return [a, b];
}

for (const kind of STORE_KINDS) {
  test(`${kind}: insert gives a pending record with a growing seq; a taken id is a 409 conflict and changes nothing`, async (t) => {
    const store = await openTestStore(kind, t);
    const first = await store.prompts.insert(newPrompt({ clientId: 'c1' }));
    const second = await store.prompts.insert(newPrompt());
    assert.equal(first.state, 'pending');
    assert.equal(first.attempts, 0);
    assert.ok(second.seq > first.seq);
    assert.deepEqual(await store.prompts.get(first.id), first);
    assert.ok((await store.prompts.lastSeq()) >= second.seq);

    const error = await store.prompts.insert(newPrompt({ id: first.id, number: 99 })).then(
      () => assert.fail('a duplicate id was accepted'),
      (e: unknown) => e,
    );
    assert.ok(isAppError(error));
    assert.equal(error.status, 409);
    assert.equal(error.code, 'CONFLICT');
    assert.equal((await store.prompts.get(first.id))?.number, 1, 'the first stays as it was');
    assert.deepEqual(await eventsOf(store, first.id), ['prompt.queued'], 'one prompt.queued');
  });

  test(`${kind}: insertMany is one batch: null where the id exists (also twice in the batch), the rest inserted in order`, async (t) => {
    const store = await openTestStore(kind, t);
    const existing = await store.prompts.insert(newPrompt());
    const a = newPrompt();
    const b = newPrompt();
    const records = await store.prompts.insertMany([a, newPrompt({ id: existing.id }), b, newPrompt({ id: a.id })]);
    assert.deepEqual(
      records.map((r) => r?.id ?? null),
      [a.id, null, b.id, null],
    );
    assert.ok((records[2]?.seq ?? 0) > (records[0]?.seq ?? 0));
    assert.deepEqual((await store.prompts.unfinished()).map((r) => r.id), [existing.id, a.id, b.id]);
  });

  test(`${kind}: unfinished lists pending and submitted prompts by number, then insertion order`, async (t) => {
    const store = await openTestStore(kind, t);
    const p2 = await store.prompts.insert(newPrompt({ number: 2 }));
    const p1a = await store.prompts.insert(newPrompt({ number: 1 }));
    const front = await store.prompts.insert(newPrompt({ number: -0.5 }));
    const p1b = await store.prompts.insert(newPrompt({ number: 1 }));
    const gone = await store.prompts.insert(newPrompt({ number: 0 }));
    assert.equal(await store.prompts.markSubmitted(p1b.id, 'one', 1), true);
    await store.prompts.finish(gone.id, done(2_000));
    const unfinished = await store.prompts.unfinished();
    assert.deepEqual(unfinished.map((r) => r.id), [front.id, p1a.id, p1b.id, p2.id]);
    assert.deepEqual(unfinished.map((r) => r.state), ['pending', 'pending', 'submitted', 'pending']);
    assert.equal(unfinished[0]?.number, -0.5);
  });

  test(`${kind}: markSubmitted claims a pending prompt once; not a cancelled, finished or already claimed one; requeue makes it claimable again`, async (t) => {
    const store = await openTestStore(kind, t);
    const p = await store.prompts.insert(newPrompt());
    assert.equal(await store.prompts.markSubmitted(p.id, 'one', 1), true);
    assert.deepEqual(
      [(await store.prompts.get(p.id))?.state, (await store.prompts.get(p.id))?.backend, (await store.prompts.get(p.id))?.attempts],
      ['submitted', 'one', 1],
    );
    assert.equal(await store.prompts.markSubmitted(p.id, 'two', 1), false, 'claimed already');
    assert.equal((await store.prompts.get(p.id))?.backend, 'one');

    await store.prompts.requeue(p.id);
    assert.deepEqual([(await store.prompts.get(p.id))?.state, (await store.prompts.get(p.id))?.backend], ['pending', null]);
    assert.equal((await store.prompts.get(p.id))?.attempts, 1, 'requeue keeps attempts');
    assert.equal(await store.prompts.markSubmitted(p.id, 'two', 2), true);

    const cancelled = await store.prompts.insert(newPrompt());
    await store.prompts.cancel([cancelled.id]);
    assert.equal(await store.prompts.markSubmitted(cancelled.id, 'one', 1), false, 'cancelled');
    assert.equal((await store.prompts.get(cancelled.id))?.state, 'cancelled');

    const removed = await store.prompts.insert(newPrompt());
    await store.prompts.removePending([removed.id]);
    assert.equal(await store.prompts.markSubmitted(removed.id, 'one', 1), false, 'removed');
    assert.equal(await store.prompts.markSubmitted(randomUUID(), 'one', 1), false, 'unknown');

    await store.prompts.finish(p.id, done(5_000));
    assert.equal(await store.prompts.markSubmitted(p.id, 'one', 3), false, 'finished');
    await store.prompts.requeue(p.id);
    assert.equal((await store.prompts.get(p.id))?.state, 'completed', 'requeue leaves a finished prompt alone');
  });

  test(`${kind}: finish records the end once, with its history entry and one prompt.succeeded`, async (t) => {
    const store = await openTestStore(kind, t);
    const p = await store.prompts.insert(newPrompt({ clientId: 'c' }));
    await store.prompts.markSubmitted(p.id, 'one', 1);
    assert.equal(await store.prompts.finish(p.id, done(3_000)), true);
    assert.equal(await store.prompts.finish(p.id, done(4_000, { state: 'failed' })), false, 'second finish');
    const record = await store.prompts.get(p.id);
    assert.deepEqual([record?.state, record?.startTime, record?.endTime, record?.backend], ['completed', 2_990, 3_000, 'one']);
    const history = await store.prompts.history(p.id);
    assert.equal(history?.state, 'completed');
    assert.deepEqual(JSON.parse(history?.entryJson ?? 'null'), done(3_000).entry);
    assert.deepEqual(await eventsOf(store, p.id), ['prompt.queued', 'prompt.succeeded']);
    const [, finished] = (await store.events.after(0, 10)).filter((e) => e.subject === p.id);
    assert.equal(JSON.parse(finished?.dataJson ?? '{}').backend, 'one');

    const cancelled = await store.prompts.insert(newPrompt());
    await store.prompts.cancel([cancelled.id]);
    assert.equal(await store.prompts.finish(cancelled.id, done(5_000)), false, 'a cancelled prompt does not finish');
    assert.equal(await store.prompts.history(cancelled.id), undefined);
  });

  test(`${kind}: cancel and removePending change unfinished prompts only, say which, and append prompt.cancelled`, async (t) => {
    const store = await openTestStore(kind, t);
    const [a, b, c, d] = [await store.prompts.insert(newPrompt()), await store.prompts.insert(newPrompt()), await store.prompts.insert(newPrompt()), await store.prompts.insert(newPrompt())];
    assert.ok(a && b && c && d);
    await store.prompts.markSubmitted(b.id, 'one', 1);
    await store.prompts.finish(c.id, done(2_000));
    assert.deepEqual(await store.prompts.cancel([a.id, c.id, randomUUID()]), [a.id]);
    assert.equal((await store.prompts.get(a.id))?.state, 'cancelled');
    assert.ok(((await store.prompts.get(a.id))?.endTime ?? 0) > 0);
    assert.deepEqual(await store.prompts.cancel([a.id]), [], 'already cancelled');
    assert.deepEqual(await eventsOf(store, a.id), ['prompt.queued', 'prompt.cancelled']);

    assert.deepEqual(await store.prompts.removePending([b.id, c.id]), [b.id], 'a submitted one goes; a finished one stays');
    assert.equal(await store.prompts.get(b.id), undefined);
    assert.equal((await store.prompts.get(c.id))?.state, 'completed');
    const e = await store.prompts.insert(newPrompt());
    assert.deepEqual(new Set(await store.prompts.removePending('all')), new Set([d.id, e.id]));
    assert.deepEqual(await store.prompts.unfinished(), []);
    assert.deepEqual(await eventsOf(store, e.id), ['prompt.queued', 'prompt.cancelled']);
    assert.equal((await store.prompts.history(c.id))?.state, 'completed', 'history untouched');
  });

  test(`${kind}: integers past 2^53 and odd text come back exact from the prompt, extra data and history`, async (t) => {
    const store = await openTestStore(kind, t);
    const seed = 18446744073709551615n;
    const text = 'nul \u0000 é 😀 "quoted" \\ back';
    const p = await store.prompts.insert(
      newPrompt({ prompt: { '1': { class_type: 'KSampler', inputs: { seed, text, f: 0.1 } } }, extraData: { big: -(2n ** 70n), text } }),
    );
    const record = await store.prompts.get(p.id);
    assert.deepEqual(record?.prompt, { '1': { class_type: 'KSampler', inputs: { seed, text, f: 0.1 } } });
    assert.deepEqual(record?.extraData, { big: -(2n ** 70n), text });
    await store.prompts.finish(p.id, done(2_000, { entry: { prompt: [1, p.id, record?.prompt], outputs: { '1': { text: [text] } }, status: {} } }));
    const json = (await store.prompts.historyPageJson(null, null)).toString();
    assert.match(json, /"seed":18446744073709551615,/);
    assert.equal((await store.prompts.job(p.id))?.entryJson?.includes('18446744073709551615'), true);
  });

  test(`${kind}: jobs filters by status (submitted and running told apart by runningIds), sorts, pages and counts`, async (t) => {
    const store = await openTestStore(kind, t);
    const make = async (createTime: number) => store.prompts.insert(newPrompt({ createTime }));
    const pending = await make(1_000);
    const queuedThere = await make(2_000);
    const running = await make(3_000);
    const completed = await make(4_000);
    const failed = await make(5_000);
    const interrupted = await make(6_000);
    const cancelled = await make(7_000);
    await store.prompts.markSubmitted(queuedThere.id, 'one', 1);
    await store.prompts.markSubmitted(running.id, 'one', 1);
    await store.prompts.finish(completed.id, { ...done(10_000), startTime: 9_000 }); // 1000 ms
    await store.prompts.finish(failed.id, { ...done(10_000, { state: 'failed' }), startTime: 9_900 }); // 100 ms
    await store.prompts.finish(interrupted.id, { ...done(10_000, { state: 'interrupted' }), startTime: 5_000 }); // 5000 ms
    await store.prompts.cancel([cancelled.id]);
    const ids = async (q: Partial<Parameters<Store['prompts']['jobs']>[0]>) => {
      const { rows, total } = await store.prompts.jobs({
        statuses: ['pending', 'in_progress', 'completed', 'failed', 'cancelled'],
        runningIds: [running.id],
        sortBy: 'created_at',
        order: 'asc',
        limit: null,
        offset: 0,
        ...q,
      });
      return { ids: rows.map((r) => r.record.id), total };
    };
    assert.deepEqual(await ids({ statuses: ['pending'] }), { ids: [pending.id, queuedThere.id], total: 2 });
    assert.deepEqual(await ids({ statuses: ['in_progress'] }), { ids: [running.id], total: 1 });
    assert.deepEqual(await ids({ statuses: ['in_progress'], runningIds: [] }), { ids: [], total: 0 });
    assert.deepEqual(await ids({ statuses: ['cancelled'] }), { ids: [interrupted.id, cancelled.id], total: 2 });
    assert.deepEqual(await ids({ statuses: ['completed', 'failed'], order: 'desc' }), { ids: [failed.id, completed.id], total: 2 });
    assert.deepEqual(await ids({ statuses: [] }), { ids: [], total: 0 });
    assert.deepEqual(await ids({ statuses: ['pending', 'in_progress', 'completed'], limit: 2, offset: 1 }), { ids: [queuedThere.id, running.id], total: 4 });
    // A cancelled prompt never started: its duration counts from 0 (as both stores sort it).
    assert.deepEqual((await ids({ statuses: ['completed', 'failed', 'cancelled'], sortBy: 'execution_duration', order: 'desc' })).ids, [
      cancelled.id,
      interrupted.id,
      completed.id,
      failed.id,
    ]);
    const job = await store.prompts.job(completed.id);
    assert.equal(job?.record.state, 'completed');
    assert.deepEqual(JSON.parse(job?.entryJson ?? 'null'), done(10_000).entry);
    assert.equal((await store.prompts.job(pending.id))?.entryJson, null);
    assert.equal(await store.prompts.job(randomUUID()), undefined);
  });

  test(`${kind}: deleteHistory and pruneHistory count what they removed and leave the queue alone`, async (t) => {
    const store = await openTestStore(kind, t);
    const queued = await store.prompts.insert(newPrompt());
    const ids: string[] = [];
    for (let i = 1; i <= 4; i++) {
      const p = await store.prompts.insert(newPrompt());
      await store.prompts.finish(p.id, done(i * 1_000));
      ids.push(p.id);
    }
    assert.equal(await store.prompts.deleteHistory([ids[0] ?? '', queued.id, randomUUID()]), 1, 'only a finished prompt is history');
    assert.equal(await store.prompts.pruneHistory({ maxItems: 2, maxAgeMs: 0 }, 10_000), 1);
    assert.equal(await store.prompts.history(ids[1] ?? ''), undefined);
    assert.equal(await store.prompts.deleteHistory('all'), 2);
    assert.equal((await store.prompts.get(queued.id))?.state, 'pending');
    assert.equal((await store.prompts.historyPageJson(null, null)).toString(), '{}');
  });
}

test('history pages are the same bytes on both stores', async (t) => {
  const pages: string[][] = [];
  for (const kind of STORE_KINDS) {
    const store = await openTestStore(kind, t);
    for (let i = 1; i <= 4; i++) {
      const id = `00000000-0000-4000-8000-00000000000${i}`;
      await store.prompts.insert(newPrompt({ id, number: i, createTime: i }));
      const entry = {
        prompt: [i, id, { '1': { inputs: { seed: 2n ** 64n - BigInt(i), text: 'ü\u0000"' } } }, {}, ['1']],
        outputs: { '1': { images: [{ filename: `${i}.png`, subfolder: '', type: 'output' }] } },
        status: { status_str: 'success', completed: true, messages: [['execution_start', { timestamp: 1.5e12 }]] },
        meta: {},
      };
      await store.prompts.finish(id, done(i * 1_000, { entry }));
    }
    const read = async (max: number | null, offset: number | null) => (await store.prompts.historyPageJson(max, offset)).toString();
    pages.push([await read(null, null), await read(2, null), await read(2, 1), await read(null, 3), await read(0, null), await read(-1, null)]);
  }
  assert.deepEqual(pages[1], pages[0]);
  assert.match(pages[0]?.[0] ?? '', /"seed":18446744073709551615,/);
});

test('postgres: two gateways claiming the same prompts at once: each prompt is claimed exactly once', async (t) => {
  const [a, b] = await twoGateways(t);
  const prompts = await a.prompts.insertMany(Array.from({ length: 40 }, (_, i) => newPrompt({ number: i })));
  const ids = prompts.map((p) => p?.id ?? '');
  const claims = await Promise.all(ids.flatMap((id) => [a.prompts.markSubmitted(id, 'a', 1), b.prompts.markSubmitted(id, 'b', 1)]));
  for (let i = 0; i < ids.length; i++) assert.equal(Number(claims[2 * i]) + Number(claims[2 * i + 1]), 1, `prompt ${i}: one winner`);
  for (const [i, id] of ids.entries()) assert.equal((await b.prompts.get(id))?.backend, claims[2 * i] ? 'a' : 'b', 'the winner’s backend is recorded');
});

test('postgres: two gateways inserting at once share one seq order and one id space', async (t) => {
  const [a, b] = await twoGateways(t);
  const shared = newPrompt();
  const [fromA, fromB] = await Promise.all([
    a.prompts.insertMany([shared, ...Array.from({ length: 20 }, () => newPrompt())]),
    b.prompts.insertMany([shared, ...Array.from({ length: 20 }, () => newPrompt())]),
  ]);
  assert.equal([fromA[0], fromB[0]].filter((r) => r !== null).length, 1, 'the shared id went in once');
  const seqs = [...fromA, ...fromB].flatMap((r) => (r === null ? [] : [r.seq]));
  assert.equal(new Set(seqs).size, 41, 'no seq handed out twice');
  assert.equal((await a.prompts.unfinished()).length, 41);
  assert.ok((await b.prompts.lastSeq()) >= Math.max(...seqs));
});

test('postgres: a gateway’s cached history page follows what another gateway finishes, deletes and prunes', async (t) => {
  const [a, b] = await twoGateways(t);
  const ids = async (store: Store) => Object.keys(JSON.parse((await store.prompts.historyPageJson(10, null)).toString()) as object);
  const p1 = await b.prompts.insert(newPrompt());
  assert.deepEqual(await ids(a), []);
  await b.prompts.finish(p1.id, done(1_000));
  assert.deepEqual(await ids(a), [p1.id], 'finished by the other gateway');
  assert.deepEqual(await ids(a), [p1.id], 'served again');
  const p2 = await a.prompts.insert(newPrompt());
  await b.prompts.finish(p2.id, done(2_000));
  assert.deepEqual(await ids(a), [p1.id, p2.id]);
  await b.prompts.deleteHistory([p1.id]);
  assert.deepEqual(await ids(a), [p2.id], 'deleted by the other gateway');
  await b.prompts.pruneHistory({ maxItems: 0, maxAgeMs: 1 }, 10_000);
  assert.deepEqual(await ids(a), [], 'pruned by the other gateway');
});
