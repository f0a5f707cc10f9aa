import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { makeTempDir, startTestApp } from '../helpers/app.js';
import { ComfyTestClient, eventually, getJson, postJson, simpleGraph } from '../helpers/comfy-client.js';
import { startService, stopService, type Service } from '../main/service.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/server.js';
import { openSse } from '../events/helpers.js';

interface HistoryEntry {
  status: { status_str: string; messages: [string, Record<string, unknown>][] };
}

const backendUp = (url: string) => async () =>
  (await getJson<{ backends: { state: string }[] }>(`${url}/automa/backends`)).backends.every((b) => b.state === 'up');

/** Submissions the fake received, per prompt id: a prompt run twice would show up twice. */
function submissionsById(received: readonly { promptId: string | undefined; status: number }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const prompt of received) {
    if (prompt.promptId !== undefined && prompt.status === 200) counts.set(prompt.promptId, (counts.get(prompt.promptId) ?? 0) + 1);
  }
  return counts;
}

/** A fake backend and the service on a data dir of the test's own, up; `args` restarts on the same data. */
async function startRecoveryStack(t: TestContext): Promise<{ fake: FakeComfy; args: string[]; first: Service }> {
  const fake = await startFakeComfy();
  t.after(() => fake.close());
  const data = makeTempDir();
  t.after(() => data.remove());
  const args = ['--data-dir', data.dir, '--comfyui', fake.url];
  const first = await startService(args);
  t.after(() => stopService(first));
  await eventually(backendUp(first.url), 10_000, 'backend up');
  return { fake, args, first };
}

test('kill -9 of the gateway with prompts pending, running and being submitted: every acknowledged prompt completes exactly once', async (t) => {
  const { fake, args, first } = await startRecoveryStack(t);
  fake.control.setNodeDelay(60);

  // A burst of submissions; the process is killed while some are still in flight.
  const acknowledged: string[] = [];
  const burst = Array.from({ length: 24 }, (_, i) =>
    postJson(`${first.url}/prompt`, { prompt: simpleGraph(i, `kill9_${i}`), client_id: 'k9' })
      .then((r) => {
        if (r.status === 200) acknowledged.push((r.body as { prompt_id: string }).prompt_id);
      })
      .catch(() => undefined),
  );
  await eventually(() => acknowledged.length >= 8, 10_000, 'some acknowledgements');
  await fake.control.waitForNode({ classType: 'ImageInvert' });
  await stopService(first, 'SIGKILL');
  await Promise.all(burst);
  assert.ok(acknowledged.length >= 8);

  const second = await startService(args);
  t.after(() => stopService(second));
  await eventually(
    async () => {
      const history = await getJson<Record<string, HistoryEntry>>(`${second.url}/history`);
      return acknowledged.every((id) => history[id] !== undefined);
    },
    60_000,
    'every acknowledged prompt in history',
  );
  const history = await getJson<Record<string, HistoryEntry>>(`${second.url}/history`);
  for (const id of acknowledged) assert.equal(history[id]?.status.status_str, 'success', `prompt ${id} succeeded`);
  const counts = submissionsById(fake.control.received.prompts);
  for (const id of acknowledged) assert.equal(counts.get(id), 1, `prompt ${id} reached the backend exactly once`);
  assert.deepEqual(await getJson(`${second.url}/prompt`), { exec_info: { queue_remaining: 0 } });

  // The outbox: each prompt's events were appended in its own store transactions, so across the
  // kill every acknowledged prompt is in the log queued once and succeeded once.
  const stream = await openSse(`${second.url}/automa/events?types=prompt.queued,prompt.succeeded&since=0`);
  t.after(() => stream.close());
  const said = (type: string, id: string) => stream.bodies().filter((e) => e.type === type && e.data.prompt_id === id).length;
  await stream.waitFor(() => acknowledged.every((id) => said('prompt.succeeded', id) >= 1), 'a prompt.succeeded per acknowledged prompt');
  for (const id of acknowledged) {
    assert.equal(said('prompt.queued', id), 1, `prompt ${id} queued once in the event log`);
    assert.equal(said('prompt.succeeded', id), 1, `prompt ${id} succeeded once in the event log`);
  }
});

test('the backend crashes mid-run and comes back: the lost prompt is requeued and completes, the client sees it start again', async (t) => {
  const fake = await startFakeComfy();
  t.after(() => fake.close());
  const app = await startTestApp(['--comfyui', fake.url]);
  t.after(() => app.close());
  await eventually(backendUp(app.url), 10_000, 'backend up');
  const client = await ComfyTestClient.connect(app.wsUrl, 'crash-client');
  t.after(() => client.close());

  const stall = fake.control.stall({ classType: 'ImageInvert' });
  const { prompt_id: promptId } = (await postJson(`${app.url}/prompt`, { prompt: simpleGraph(11), client_id: 'crash-client' })).body as { prompt_id: string };
  await stall.reached;
  await fake.control.crash();
  fake.control.releaseStalls();
  fake.control.resetBehaviors();
  await fake.control.restart();

  await client.waitForDone(promptId, 20_000);
  const starts = client.framesOf(promptId).filter((f) => f.type === 'execution_start');
  assert.equal(starts.length, 2, 'a fresh execution_start after the crash');
  const history = await getJson<Record<string, HistoryEntry>>(`${app.url}/history/${promptId}`);
  assert.equal(history[promptId]?.status.status_str, 'success');
  const job = await getJson<{ status: string }>(`${app.url}/api/jobs/${promptId}`);
  assert.equal(job.status, 'completed');
});

test('a prompt the backend keeps losing fails with a clear execution_error after --max-attempts', async (t) => {
  const fake = await startFakeComfy();
  t.after(() => fake.close());
  const app = await startTestApp(['--comfyui', fake.url, '--max-attempts', '1']);
  t.after(() => app.close());
  await eventually(backendUp(app.url), 10_000, 'backend up');
  const client = await ComfyTestClient.connect(app.wsUrl, 'unlucky');
  t.after(() => client.close());

  const stall = fake.control.stall({ classType: 'ImageInvert' });
  const { prompt_id: promptId } = (await postJson(`${app.url}/prompt`, { prompt: simpleGraph(12), client_id: 'unlucky' })).body as { prompt_id: string };
  await stall.reached;
  await fake.control.crash();
  fake.control.releaseStalls();
  await fake.control.restart();

  await client.waitForDone(promptId, 20_000);
  const error = client.framesOf(promptId).find((f) => f.type === 'execution_error');
  assert.ok(error, 'the client got an execution_error');
  assert.match(String(error.data.exception_message), /attempt/i);
  const history = await getJson<Record<string, HistoryEntry>>(`${app.url}/history/${promptId}`);
  assert.equal(history[promptId]?.status.status_str, 'error');
  assert.equal(submissionsById(fake.control.received.prompts).get(promptId), 1, 'not sent again past the cap');
});

test('kill -9 right after a prompt failed and others were deleted from the queue: the failure stays recorded, the deleted never run, nothing runs twice', async (t) => {
  const { fake, args, first } = await startRecoveryStack(t);
  const submit = async (service: { url: string }, i: number): Promise<string> => {
    const response = await postJson(`${service.url}/prompt`, { prompt: simpleGraph(i, `k9_${i}`) });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return (response.body as { prompt_id: string }).prompt_id;
  };

  fake.control.failNode({ classType: 'ImageInvert' }, { message: 'out of memory', once: true });
  const failed = await submit(first, 1);
  await eventually(async () => (await getJson<Record<string, HistoryEntry>>(`${first.url}/history/${failed}`))[failed] !== undefined, 10_000, 'the failure in history');

  // One runs (held at the backend), one waits there, two wait in our queue; three are deleted.
  fake.control.stall({ classType: 'ImageInvert' });
  const running = await submit(first, 2);
  await fake.control.waitForNode({ classType: 'ImageInvert' });
  const deleted = [await submit(first, 3), await submit(first, 4), await submit(first, 5)];
  const kept = await submit(first, 6);
  const removal = await postJson(`${first.url}/queue`, { delete: deleted });
  assert.equal(removal.status, 200);
  await stopService(first, 'SIGKILL');
  fake.control.releaseStalls();

  const second = await startService(args);
  t.after(() => stopService(second));
  await eventually(
    async () => {
      const history = await getJson<Record<string, HistoryEntry>>(`${second.url}/history`);
      return history[running] !== undefined && history[kept] !== undefined;
    },
    30_000,
    'the running and the kept prompt finished',
  );
  await fake.control.waitForIdle();
  const history = await getJson<Record<string, HistoryEntry>>(`${second.url}/history`);
  assert.equal(history[failed]?.status.status_str, 'error', 'the failure as recorded before the kill');
  assert.equal(history[running]?.status.status_str, 'success');
  assert.equal(history[kept]?.status.status_str, 'success');
  for (const id of deleted) assert.equal(history[id], undefined, `${id} was deleted: no history`);
  assert.deepEqual(await getJson(`${second.url}/queue`), { queue_running: [], queue_pending: [] });

  const counts = submissionsById(fake.control.received.prompts);
  assert.equal(counts.get(failed), 1, 'the failed prompt is not run again');
  for (const id of [running, kept]) assert.equal(counts.get(id), 1, `${id} reached the backend once`);
  // A deleted prompt may have been handed to the backend ahead of time; it must not have run there.
  const ranOnBackend = new Set(Object.keys(await getJson<Record<string, unknown>>(`${fake.url}/history`)));
  for (const id of deleted) assert.equal(ranOnBackend.has(id), false, `${id} never ran`);
});
