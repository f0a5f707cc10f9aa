import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { ComfyTestClient, eventually, getJson, postJson, simpleGraph } from '../helpers/comfy-client.js';
import { startFakeComfy } from '../fake-comfy/server.js';

interface BackendView {
  name: string;
  state: string;
}

test('a plain ComfyUI client runs a prompt through the gateway: events, history, outputs', async (t) => {
  const fake = await startFakeComfy();
  t.after(() => fake.close());
  const app = await startTestApp(['--comfyui', fake.url]);
  t.after(() => app.close());
  await eventually(async () => (await getJson<{ backends: BackendView[] }>(`${app.url}/automa/backends`)).backends[0]?.state === 'up', 10_000, 'backend up');

  const client = await ComfyTestClient.connect(app.wsUrl, 'client-a', { supports_preview_metadata: true });
  t.after(() => client.close());
  assert.deepEqual(client.frames[0], { type: 'status', data: { status: { exec_info: { queue_remaining: 0 } }, sid: 'client-a' } });
  await client.waitFor(() => client.frames.some((f) => f.type === 'feature_flags'));

  const submitted = await postJson(`${app.url}/prompt`, { prompt: simpleGraph(7), client_id: 'client-a' });
  assert.equal(submitted.status, 200);
  const promptId = (submitted.body as { prompt_id: string }).prompt_id;

  await client.waitForDone(promptId);
  const types = client.frames.map((f) => f.type);
  const start = types.indexOf('execution_start');
  assert.ok(start > 0, 'execution_start was relayed');
  const tail = types.slice(-3);
  assert.deepEqual(tail, ['execution_success', 'status', 'executing'], 'success, then our status, then executing null');
  assert.ok(types.includes('execution_cached') && types.includes('executed'));
  // The backend's own client id never leaks: every prompt event names the prompt.
  for (const frame of client.framesOf(promptId)) assert.equal(frame.data.prompt_id, promptId);

  // On executing null the history entry is already there, in ComfyUI's shape.
  const history = await getJson<Record<string, { prompt: unknown[]; outputs: Record<string, { images: { filename: string; type: string; subfolder: string }[] }>; status: { status_str: string; completed: boolean } }>>(
    `${app.url}/history/${promptId}`,
  );
  const entry = history[promptId];
  assert.ok(entry, 'history entry present');
  assert.equal(entry.status.status_str, 'success');
  assert.equal(entry.status.completed, true);
  assert.equal(entry.prompt[1], promptId);
  assert.equal((entry.prompt[3] as { client_id: string }).client_id, 'client-a', 'the original client id, not ours');
  const image = entry.outputs['3']?.images[0];
  assert.ok(image && image.type === 'output');

  // The output is ours now: /view serves it even after the backend is gone.
  const viewUrl = `${app.url}/view?filename=${encodeURIComponent(image.filename)}&type=output&subfolder=${encodeURIComponent(image.subfolder)}`;
  const first = await fetch(viewUrl);
  assert.equal(first.status, 200);
  const bytes = Buffer.from(await first.arrayBuffer());
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG');
  await fake.close();
  const again = await fetch(viewUrl);
  assert.equal(again.status, 200);
  assert.deepEqual(Buffer.from(await again.arrayBuffer()), bytes);

  const job = await getJson<{ status: string; outputs_count: number }>(`${app.url}/api/jobs/${promptId}`);
  assert.equal(job.status, 'completed');
  assert.ok(job.outputs_count >= 1);
});

test('two clients never see each other’s prompt events; a prompt without client_id broadcasts only progress', async (t) => {
  const fake = await startFakeComfy();
  t.after(() => fake.close());
  const app = await startTestApp(['--comfyui', fake.url]);
  t.after(() => app.close());
  await eventually(async () => (await getJson<{ backends: BackendView[] }>(`${app.url}/automa/backends`)).backends[0]?.state === 'up', 10_000, 'backend up');

  const a = await ComfyTestClient.connect(app.wsUrl, 'alice');
  const b = await ComfyTestClient.connect(app.wsUrl, 'bob');
  t.after(() => {
    a.close();
    b.close();
  });
  const mine = (await postJson(`${app.url}/prompt`, { prompt: simpleGraph(3), client_id: 'alice' })).body as { prompt_id: string };
  await a.waitForDone(mine.prompt_id);
  assert.equal(b.framesOf(mine.prompt_id).length, 0, 'bob saw nothing of alice’s prompt');
  assert.ok(b.frames.some((f) => f.type === 'status' && (f.data.status as { exec_info: { queue_remaining: number } }).exec_info.queue_remaining === 1), 'but saw the queue change');

  const anonymous = (await postJson(`${app.url}/prompt`, { prompt: simpleGraph(4) })).body as { prompt_id: string };
  await eventually(async () => Object.keys(await getJson<object>(`${app.url}/history/${anonymous.prompt_id}`)).length === 1, 10_000, 'history');
  for (const client of [a, b]) {
    const types = new Set(client.framesOf(anonymous.prompt_id).map((f) => f.type));
    for (const type of types) assert.ok(['progress', 'progress_state'].includes(type), `${type} must not be broadcast`);
  }
});
