/**
 * What the automation part relies on from AutomaStore, on both stores: a run's status follows its
 * prompt whoever changes the prompt; run.* and sweep.* events are appended in the transaction
 * that made the change (and vanish with it when it rolls back); a workflow run's prompt speaks as
 * run.*, not prompt.*; apps, runs and sweeps page and change as the API needs; Idempotency-Key
 * answers. On PostgreSQL: two gateways ending a sweep's last two cells at once say completed once.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { createRunEventViews } from '../../src/automation/run-events.js';
import { isAppError } from '../../src/errors.js';
import { createPostgresStore } from '../../src/store/postgres/store.js';
import type { AutomaEventViews, FinishInput, NewPrompt, NewRun, NewSweep, Store } from '../../src/store/index.js';
import { testSchema } from '../helpers/postgres.js';
import { openTestStore, STORE_KINDS } from '../helpers/stores.js';

/** A queue where nothing is running. */
const idleQueue = { isRunning: () => false, progress: () => null, runningIds: () => [] };
const views = (): AutomaEventViews => createRunEventViews(idleQueue);

const newRun = (over: Partial<NewRun> = {}): NewRun => ({
  id: randomUUID(),
  appId: 'app-1',
  sweepId: null,
  cell: null,
  coords: null,
  promptId: randomUUID(),
  clientId: null,
  inputs: { seed: 1 },
  prompt: { '1': { class_type: 'KSampler', inputs: { seed: 1 } } },
  createTime: 1_000,
  ...over,
});

const promptOf = (run: NewRun): NewPrompt => ({
  id: run.promptId,
  number: 1,
  prompt: run.prompt ?? {},
  extraData: {},
  outputsToExecute: ['1'],
  clientId: null,
  createTime: 1_000,
});

const newSweep = (count: number): NewSweep => ({
  id: randomUUID(),
  appId: 'app-1',
  name: 'grid',
  body: { mode: 'grid', axes: [], inputs: {}, app: { outputs: [] } },
  count,
  createTime: 1_000,
});

const cellsOf = (sweep: NewSweep): NewRun[] =>
  Array.from({ length: sweep.count }, (_, cell) => newRun({ sweepId: sweep.id, cell, coords: { x: cell }, prompt: null }));

const finished = (state: FinishInput['state'] = 'completed'): FinishInput => ({
  state,
  startTime: 1_500,
  endTime: 2_000,
  entry: {
    outputs: { '1': { images: [{ filename: 'a.png', subfolder: '', type: 'output' }] } },
    status: { status_str: state === 'completed' ? 'success' : 'error', completed: state === 'completed', messages: [] },
  },
});

/** Events after `after` as [type, subject]. */
const typesAfter = async (store: Store, after: number): Promise<[string, string | null][]> =>
  (await store.events.after(after, 1000)).map((e) => [e.type, e.subject]);

for (const kind of STORE_KINDS) {
  test(`${kind}: a run follows its prompt: submitted on insert, backend on claim, outputs and status on finish`, async (t) => {
    const store = await openTestStore(kind, t);
    store.automa.useEventViews(views());
    const run = await store.automa.createRun(newRun({ inputs: { seed: 18446744073709551615n } }));
    assert.deepEqual([run.status, run.submitted, run.attempt], ['queued', false, 1]);
    assert.deepEqual((await store.automa.unsubmitted(0, 10)).map((r) => r.id), [run.id]);
    await store.prompts.insert(promptOf(run));
    let row = await store.automa.getRun(run.id);
    assert.deepEqual([row?.status, row?.submitted, row?.prompt], ['queued', true, null], 'submitted; the compiled prompt is dropped');
    assert.deepEqual(row?.inputs, { seed: 18446744073709551615n });
    assert.deepEqual(await store.automa.unsubmitted(0, 10), []);
    await store.prompts.markSubmitted(run.promptId, 'one', 1);
    assert.equal((await store.automa.getRun(run.id))?.backend, 'one');
    await store.prompts.finish(run.promptId, finished());
    row = await store.automa.getRun(run.id);
    assert.deepEqual([row?.status, row?.startTime, row?.endTime], ['succeeded', 1_500, 2_000]);
    assert.deepEqual(row?.outputs, finished().entry.outputs);
    assert.deepEqual(row?.execStatus, finished().entry.status);
  });

  test(`${kind}: a run ends as its prompt ends: failed, interrupted → cancelled, cancelled, removed → cancelled`, async (t) => {
    const store = await openTestStore(kind, t);
    store.automa.useEventViews(views());
    const runs = [newRun(), newRun(), newRun(), newRun()];
    for (const run of runs) {
      await store.automa.createRun(run);
      await store.prompts.insert(promptOf(run));
    }
    const [failed, interrupted, cancelled, removed] = runs as [NewRun, NewRun, NewRun, NewRun];
    await store.prompts.finish(failed.promptId, finished('failed'));
    await store.prompts.finish(interrupted.promptId, finished('interrupted'));
    await store.prompts.cancel([cancelled.promptId]);
    await store.prompts.removePending([removed.promptId]);
    const status = async (run: NewRun) => (await store.automa.getRun(run.id))?.status;
    assert.deepEqual([await status(failed), await status(interrupted), await status(cancelled), await status(removed)], ['failed', 'cancelled', 'cancelled', 'cancelled']);
    assert.ok(((await store.automa.getRun(removed.id))?.endTime ?? 0) > 0, 'removal stamps the end');
    const types = (await store.events.after(0, 100)).map((e) => e.type);
    assert.deepEqual(types.filter((x) => x.startsWith('prompt.')), [], 'a run’s prompt never speaks as prompt.*');
    assert.deepEqual(types.filter((x) => x !== 'run.queued'), ['run.failed', 'run.cancelled', 'run.cancelled', 'run.cancelled']);
  });

  test(`${kind}: a prompt sent straight to /prompt speaks as prompt.*; a run's prompt as run.*`, async (t) => {
    const store = await openTestStore(kind, t);
    store.automa.useEventViews(views());
    const plain = promptOf(newRun());
    const run = await store.automa.createRun(newRun());
    await store.prompts.insertMany([plain, promptOf(run)]);
    assert.deepEqual(await typesAfter(store, 0), [
      ['prompt.queued', plain.id],
      ['run.queued', run.id],
    ]);
  });

  test(`${kind}: sweep events: each ended cell adds its run event and sweep.progress; the last adds sweep.completed with the cells`, async (t) => {
    const store = await openTestStore(kind, t);
    store.automa.useEventViews(views());
    const sweep = newSweep(3);
    const cells = cellsOf(sweep);
    await store.automa.createSweep(sweep, cells);
    await store.prompts.insertMany(cells.map(promptOf));
    const [a, b, c] = cells as [NewRun, NewRun, NewRun];
    let last = await store.events.lastId();
    await store.prompts.finish(a.promptId, finished());
    assert.deepEqual(await typesAfter(store, last), [
      ['run.succeeded', a.id],
      ['sweep.progress', sweep.id],
    ]);
    last = await store.events.lastId();
    await store.automa.cancelUnsubmitted([b.id]); // submitted already: nothing changes
    await store.prompts.finish(b.promptId, finished('failed'));
    await store.prompts.removePending([c.promptId]);
    const tail = await store.events.after(last, 100);
    assert.deepEqual(
      tail.map((e) => [e.type, e.subject]),
      [
        ['run.failed', b.id],
        ['sweep.progress', sweep.id],
        ['run.cancelled', c.id],
        ['sweep.progress', sweep.id],
        ['sweep.completed', sweep.id],
      ],
    );
    const completed = JSON.parse(tail[4]?.dataJson ?? '{}') as { counts: Record<string, number>; cells: { run_id: string; status: string }[] };
    assert.deepEqual(completed.counts, { queued: 0, running: 0, succeeded: 1, failed: 1, cancelled: 1 });
    assert.deepEqual(
      completed.cells.map((cell) => [cell.run_id, cell.status]),
      [
        [a.id, 'succeeded'],
        [b.id, 'failed'],
        [c.id, 'cancelled'],
      ],
    );
    for (const event of tail) assert.equal(event.sweep, sweep.id);
  });

  test(`${kind}: a change whose event cannot be written rolls back whole, events and all`, async (t) => {
    const store = await openTestStore(kind, t);
    const good = views();
    let refuse = '';
    store.automa.useEventViews({
      ...good,
      run: (type, row, app) => {
        if (row.id === refuse) throw new Error('view refused');
        return good.run(type, row, app);
      },
    });
    const sweep = newSweep(2);
    const cells = cellsOf(sweep);
    await store.automa.createSweep(sweep, cells);
    await store.prompts.insertMany(cells.map(promptOf));
    const [a, b] = cells as [NewRun, NewRun];
    const before = await store.events.lastId();
    refuse = a.id;
    await assert.rejects(store.prompts.finish(a.promptId, finished()), /view refused/);
    assert.equal((await store.prompts.get(a.promptId))?.state, 'pending', 'the prompt did not finish');
    assert.equal((await store.automa.getRun(a.id))?.status, 'queued', 'nor did its run');
    await assert.rejects(store.prompts.removePending([a.promptId, b.promptId]), /view refused/);
    assert.equal((await store.prompts.unfinished()).length, 2, 'nothing was removed');
    assert.deepEqual(await store.events.after(before, 100), [], 'and no event was written');
    refuse = '';
    await store.prompts.finish(a.promptId, finished());
    assert.deepEqual(await typesAfter(store, before), [
      ['run.succeeded', a.id],
      ['sweep.progress', sweep.id],
    ]);
  });

  test(`${kind}: runs before submission: failRun and cancelUnsubmitted end them with their events; the queue never gets them`, async (t) => {
    const store = await openTestStore(kind, t);
    store.automa.useEventViews(views());
    const refused = await store.automa.createRun(newRun());
    const dropped = await store.automa.createRun(newRun());
    const kept = await store.automa.createRun(newRun());
    await store.automa.failRun(refused.id, 'bad prompt');
    assert.deepEqual(await store.automa.cancelUnsubmitted([dropped.id, refused.id]), [dropped.id]);
    const row = await store.automa.getRun(refused.id);
    assert.deepEqual([row?.status, row?.error, row?.submitted, row?.prompt], ['failed', 'bad prompt', true, null]);
    assert.equal((await store.automa.getRun(dropped.id))?.status, 'cancelled');
    assert.deepEqual((await store.automa.unsubmitted(0, 10)).map((r) => r.id), [kept.id]);
    assert.deepEqual((await store.automa.unsubmitted(kept.seq, 10)).map((r) => r.id), []);
    assert.deepEqual(await typesAfter(store, 0), [
      ['run.failed', refused.id],
      ['run.cancelled', dropped.id],
    ]);
  });

  test(`${kind}: appendLiveRunEvent reports a submitted, unended run only`, async (t) => {
    const store = await openTestStore(kind, t);
    store.automa.useEventViews(views());
    const run = await store.automa.createRun(newRun());
    const live = () => store.automa.appendLiveRunEvent(run.promptId, 'run.started', (row) => ({ id: row.id }));
    assert.equal(await live(), false, 'not the queue’s yet');
    await store.prompts.insert(promptOf(run));
    assert.equal(await live(), true);
    const [event] = (await store.events.after(0, 10)).filter((e) => e.type === 'run.started');
    assert.deepEqual([event?.subject, event?.app, JSON.parse(event?.dataJson ?? '{}')], [run.id, run.appId, { id: run.id }]);
    await store.prompts.finish(run.promptId, finished());
    assert.equal(await live(), false, 'ended');
  });

  test(`${kind}: apps: create, read, update, page newest first, delete`, async (t) => {
    const store = await openTestStore(kind, t);
    const ids = ['a', 'b', 'c'];
    for (const id of ids) await store.automa.createApp({ id, name: `app ${id}`, body: { seed: 7, n: id } });
    assert.deepEqual((await store.automa.getApp('a'))?.body, { seed: 7, n: 'a' });
    const first = await store.automa.listApps({ limit: 2 });
    assert.deepEqual(first.items.map((a) => a.id), ['c', 'b']);
    assert.ok(first.nextCursor !== null);
    const second = await store.automa.listApps({ limit: 2, cursor: first.nextCursor });
    assert.deepEqual([second.items.map((a) => a.id), second.nextCursor], [['a'], null]);
    const renamed = await store.automa.updateApp('b', { name: 'renamed' });
    assert.deepEqual([renamed?.name, renamed?.body], ['renamed', { seed: 7, n: 'b' }]);
    assert.deepEqual((await store.automa.updateApp('b', { body: { x: 1 } }))?.body, { x: 1 });
    assert.equal((await store.automa.getApp('b'))?.name, 'renamed');
    assert.equal(await store.automa.updateApp('zz', { name: 'x' }), undefined);
    assert.equal(await store.automa.deleteApp('a'), true);
    assert.equal(await store.automa.deleteApp('a'), false);
    await assert.rejects(store.automa.listApps({ limit: 2, cursor: 'not-a-cursor' }), (e: unknown) => isAppError(e) && e.status === 400);
  });

  test(`${kind}: runs list by app, sweep, status and prompt ids, newest first with cursors`, async (t) => {
    const store = await openTestStore(kind, t);
    store.automa.useEventViews(views());
    const sweep = newSweep(2);
    const cells = cellsOf(sweep);
    await store.automa.createSweep(sweep, cells);
    const other = await store.automa.createRun(newRun({ appId: 'app-2' }));
    const single = await store.automa.createRun(newRun());
    await store.automa.failRun(single.id, 'no');
    const ids = async (q: Omit<Parameters<Store['automa']['listRuns']>[0], 'limit'>) => (await store.automa.listRuns({ limit: 10, ...q })).items.map((r) => r.id);
    assert.deepEqual(await ids({}), [single.id, other.id, cells[1]?.id, cells[0]?.id]);
    assert.deepEqual(await ids({ appId: 'app-2' }), [other.id]);
    assert.deepEqual(await ids({ sweepId: sweep.id }), [cells[1]?.id, cells[0]?.id]);
    assert.deepEqual(await ids({ statuses: ['failed'] }), [single.id]);
    assert.deepEqual(await ids({ statuses: ['queued'], promptIdsIn: { ids: [other.promptId], inside: true } }), [other.id]);
    assert.deepEqual(await ids({ statuses: ['queued'], promptIdsIn: { ids: [other.promptId], inside: false } }), [cells[1]?.id, cells[0]?.id]);
    const page = await store.automa.listRuns({ limit: 3 });
    assert.equal(page.items.length, 3);
    assert.deepEqual((await store.automa.listRuns({ limit: 3, cursor: page.nextCursor ?? '' })).items.map((r) => r.id), [cells[0]?.id]);
    assert.deepEqual((await store.automa.sweepRuns(sweep.id)).map((r) => [r.cell, r.coords]), [
      [0, { x: 0 }],
      [1, { x: 1 }],
    ]);
  });

  test(`${kind}: sweeps: list, cancel (unsubmitted cells end, live ones are handed back), retry under new prompt ids`, async (t) => {
    const store = await openTestStore(kind, t);
    store.automa.useEventViews(views());
    const sweep = newSweep(3);
    const cells = cellsOf(sweep);
    const created = await store.automa.createSweep(sweep, cells);
    assert.deepEqual(created, { ...sweep, cancelled: false });
    const other = newSweep(1);
    await store.automa.createSweep({ ...other, appId: 'app-2' }, cellsOf(other));
    assert.deepEqual((await store.automa.listSweeps({ limit: 10 })).items.map((s) => s.id), [other.id, sweep.id]);
    assert.deepEqual((await store.automa.listSweeps({ appId: 'app-1', limit: 10 })).items.map((s) => s.id), [sweep.id]);
    const [a, b, c] = cells as [NewRun, NewRun, NewRun];
    await store.prompts.insertMany([promptOf(a), promptOf(b)]);
    await store.prompts.finish(a.promptId, finished('failed'));
    const live = await store.automa.cancelSweep(sweep.id);
    assert.deepEqual(live.map((r) => r.id), [b.id], 'b’s prompt is the queue’s to cancel');
    assert.equal((await store.automa.getSweep(sweep.id))?.cancelled, true);
    assert.equal((await store.automa.getRun(c.id))?.status, 'cancelled');
    await store.prompts.cancel([b.promptId]);

    const fresh = [randomUUID(), randomUUID()];
    const retried = await store.automa.retrySweep(sweep.id, ['failed'], () => fresh.shift() ?? '');
    assert.deepEqual(retried.map((r) => [r.id, r.status, r.submitted, r.attempt, r.outputs, r.endTime]), [[a.id, 'queued', false, 2, null, null]]);
    assert.notEqual(retried[0]?.promptId, a.promptId);
    assert.equal((await store.automa.getSweep(sweep.id))?.cancelled, false, 'a retry takes the cancel back');
    assert.deepEqual(await store.automa.retrySweep(sweep.id, ['succeeded'], () => randomUUID()), []);
  });

  test(`${kind}: Idempotency-Key answers: kept with the run, a live one refuses a second, an expired one is replaced, deleteRun drops it`, async (t) => {
    const store = await openTestStore(kind, t);
    const answer = (run: NewRun, createTime: number) => ({ scope: 'runs', key: 'k1', bodyHash: 'h', status: 201, response: { id: run.id, n: 2 }, createTime });
    const first = newRun();
    await store.automa.createRun(first, answer(first, 10_000));
    assert.deepEqual(await store.automa.findAnswer('runs', 'k1', 0), { scope: 'runs', key: 'k1', bodyHash: 'h', status: 201, response: { id: first.id, n: 2 }, createTime: 10_000 });
    assert.equal(await store.automa.findAnswer('runs', 'k1', 10_001), undefined, 'older than asked');
    const second = newRun();
    await assert.rejects(store.automa.createRun(second, answer(second, 20_000)), (e: unknown) => isAppError(e) && e.status === 409);
    assert.equal(await store.automa.getRun(second.id), undefined, 'the run rolled back with its answer');
    const late = newRun();
    await store.automa.createRun(late, answer(late, 10_000 + 25 * 60 * 60 * 1000));
    assert.equal((await store.automa.findAnswer('runs', 'k1', 0))?.response.id, late.id, 'expired answer replaced');
    await store.automa.deleteRun(late.id);
    assert.equal(await store.automa.getRun(late.id), undefined);
    assert.equal(await store.automa.findAnswer('runs', 'k1', 0), undefined);
    const kept = newRun();
    await store.automa.createRun(kept, { ...answer(kept, 5), key: 'k2' });
    assert.equal(await store.automa.pruneAnswers(6), 1);
    assert.equal(await store.automa.findAnswer('runs', 'k2', 0), undefined);
  });

  test(`${kind}: a finished run's outputs survive text PostgreSQL's json refuses (\\u0000, a lone surrogate)`, async (t) => {
    const store = await openTestStore(kind, t);
    store.automa.useEventViews(views());
    const run = await store.automa.createRun(newRun());
    await store.prompts.insert(promptOf(run));
    const odd = 'a\u0000b\ud800c';
    const entry = { prompt: [1, run.promptId, { '1': { inputs: { text: odd } } }], outputs: { '1': { text: [odd], images: [{ filename: 'a.png', subfolder: '', type: 'output' }] } }, status: {} };
    assert.equal(await store.prompts.finish(run.promptId, { ...finished(), entry }), true);
    const row = await store.automa.getRun(run.id);
    assert.equal(row?.status, 'succeeded');
    assert.deepEqual((row?.outputs as { '1': { images: unknown } })['1'].images, entry.outputs['1'].images);
    assert.equal((await store.prompts.history(run.promptId))?.entryJson, JSON.stringify(entry), 'history keeps the text exactly');
  });
}

test('postgres: two gateways ending a sweep’s last two cells at once: sweep.completed once, counting both', async (t) => {
  const { url, schema } = testSchema(t);
  const a = await createPostgresStore({ url, schema, maxConnections: 4 });
  t.after(() => a.close());
  const b = await createPostgresStore({ url, schema, maxConnections: 4 });
  t.after(() => b.close());
  a.automa.useEventViews(views());
  b.automa.useEventViews(views());
  for (let round = 0; round < 5; round++) {
    const sweep = newSweep(2);
    const cells = cellsOf(sweep);
    await a.automa.createSweep(sweep, cells);
    await a.prompts.insertMany(cells.map(promptOf));
    const before = await a.events.lastId();
    await Promise.all([a.prompts.finish(cells[0]?.promptId ?? '', finished()), b.prompts.finish(cells[1]?.promptId ?? '', finished())]);
    const events = (await a.events.after(before, 100)).filter((e) => e.sweep === sweep.id);
    const completed = events.filter((e) => e.type === 'sweep.completed');
    assert.equal(completed.length, 1, `round ${round}: ${events.map((e) => e.type).join(', ')}`);
    assert.deepEqual((JSON.parse(completed[0]?.dataJson ?? '{}') as { counts: unknown }).counts, { queued: 0, running: 0, succeeded: 2, failed: 0, cancelled: 0 });
  }
  assert.deepEqual(await a.db.query('SELECT run_id FROM automa_run_changes'), [], 'every note was drained by the transaction that wrote it');
});
