import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { createRunEventViews } from '../../src/automation/run-events.js';
import type { EventRecord, NewPrompt, NewRun } from '../../src/store/index.js';
import { openTestStore, STORE_KINDS } from '../helpers/stores.js';

/** A queue where nothing is running: the run views of queued and finished runs need no more. */
const idleQueue = { isRunning: () => false, progress: () => null, runningIds: () => [] };

const newRun = (seed: bigint): NewRun => ({
  id: randomUUID(),
  appId: randomUUID(),
  sweepId: null,
  cell: null,
  coords: null,
  promptId: randomUUID(),
  clientId: null,
  inputs: { seed },
  prompt: { '1': { class_type: 'KSampler', inputs: { seed } } },
  createTime: Date.now(),
});

const promptOf = (run: NewRun): NewPrompt => ({
  id: run.promptId,
  number: 1,
  prompt: run.prompt as NewPrompt['prompt'],
  extraData: {},
  outputsToExecute: ['1'],
  clientId: null,
  createTime: Date.now(),
});

const data = (event: EventRecord | undefined): Record<string, unknown> => JSON.parse(event?.dataJson ?? 'null') as Record<string, unknown>;

for (const kind of STORE_KINDS) {
  test(`${kind}: a run’s event commits with the change or not at all: without views to write it, the queue’s insert of its prompt is refused whole`, async (t) => {
    const store = await openTestStore(kind, t);
    // Past 2^53: the event's data must keep it exact, as the run does.
    const run = newRun(18446744073709551615n);
    await store.automa.createRun(run);
    const before = await store.events.lastId();

    await assert.rejects(store.prompts.insert(promptOf(run)), /no views/);
    assert.equal(await store.prompts.get(run.promptId), undefined, 'the prompt insert rolled back');
    assert.equal((await store.automa.getRun(run.id))?.submitted, false);
    // Read, not lastId: PostgreSQL's id sequence moves on for a rolled-back insert too.
    assert.deepEqual(await store.events.after(before, 10), [], 'and no event was written');

    store.automa.useEventViews(createRunEventViews(idleQueue));
    await store.prompts.insert(promptOf(run));
    const queued = await store.events.after(before, 10);
    assert.deepEqual(queued.map((e) => [e.type, e.subject, e.app, e.sweep]), [['run.queued', run.id, run.appId, null]], 'run.queued, and no prompt.queued');
    assert.match(queued[0]?.dataJson ?? '', /"seed":18446744073709551615\b/);

    await store.prompts.finish(run.promptId, {
      state: 'completed',
      startTime: Date.now() - 5,
      endTime: Date.now(),
      entry: { outputs: { '1': { images: [{ filename: 'a.png', subfolder: '', type: 'output' }] } }, status: { status_str: 'success', completed: true, messages: [] } },
    });
    const [succeeded, ...rest] = await store.events.after(queued[0]?.id ?? 0, 10);
    assert.deepEqual(rest, []);
    assert.equal(succeeded?.type, 'run.succeeded');
    assert.deepEqual(data(succeeded).outputs, [{ node: '1', kind: 'image', filename: 'a.png', subfolder: '', type: 'output', url: '/view?filename=a.png&subfolder=&type=output' }]);

    // Once ended, live events (started, progress) have nothing to report.
    assert.equal(await store.automa.appendLiveRunEvent(run.promptId, 'run.progress', () => ({})), false);
    assert.equal(await store.automa.appendLiveRunEvent(randomUUID(), 'run.started', () => ({})), false, 'nor for a prompt that is no run’s');
  });
}
