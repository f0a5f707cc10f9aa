/**
 * A client that reconnects while its prompt runs gets what ComfyUI sends it (status with sid,
 * then the node being executed), and no socket of that clientId is silently orphaned.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { type TestApp } from '../helpers/app.js';
import { startStack } from '../helpers/stack.js';
import { ComfyTestClient, getJson, postJson, type Frame } from '../helpers/comfy-client.js';

async function connect(t: TestContext, app: TestApp, clientId: string): Promise<ComfyTestClient> {
  const client = await ComfyTestClient.connect(app.wsUrl, clientId, { supports_preview_metadata: true });
  t.after(() => client.close());
  return client;
}

const graph = (color: number) => ({
  '1': { class_type: 'EmptyImage', inputs: { width: 16, height: 16, batch_size: 1, color } },
  '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
  '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'rc' } },
});

/** The frames of one prompt from `executing node` on, as (type, node) pairs. */
const tail = (frames: readonly Frame[], promptId: string, fromNode: string): string[] => {
  const mine = frames.filter((f) => f.data.prompt_id === promptId);
  const start = mine.findIndex((f) => f.type === 'executing' && f.data.node === fromNode);
  return mine.slice(start).filter((f) => f.type !== 'progress_state').map((f) => `${f.type}:${String(f.data.node ?? '')}`);
};

test('a same-clientId reconnect mid-run gets status (sid) then the current node; old and new sockets both follow the prompt to its end', async (t) => {
  const { fake, app } = await startStack(t);
  const first = await connect(t, app, 'returning');
  const stall = fake.control.stall('ImageInvert');
  const submitted = await postJson(`${app.url}/prompt`, { prompt: graph(11), client_id: 'returning' });
  const promptId = (submitted.body as { prompt_id: string }).prompt_id;
  await stall.reached;
  await first.waitFor(() => first.frames.some((f) => f.type === 'executing' && f.data.node === '2'));

  const second = await connect(t, app, 'returning');
  // Exactly ComfyUI's greeting for ws_reconnect_during_run: status with sid, then executing {node}.
  assert.deepEqual(second.frames.slice(0, 2), [
    { type: 'status', data: { status: { exec_info: { queue_remaining: 1 } }, sid: 'returning' } },
    { type: 'executing', data: { node: '2' } },
  ]);
  // Someone else connecting now is told nothing about this prompt.
  const bystander = await connect(t, app, 'bystander');
  assert.deepEqual(bystander.frames.map((f) => f.type).filter((type) => type !== 'feature_flags'), ['status']);

  stall.release();
  await second.waitForDone(promptId);
  await first.waitForDone(promptId);
  const expected = ['executing:3', 'executed:3', 'execution_success:', 'executing:'];
  assert.deepEqual(tail(second.frames, promptId, '3'), expected, 'the new socket sees the rest of the run');
  assert.deepEqual(tail(first.frames, promptId, '3'), expected, 'the old socket is not orphaned');
  assert.equal(bystander.framesOf(promptId).length, 0);

  const history = await getJson<Record<string, { status: { status_str: string } }>>(`${app.url}/history/${promptId}`);
  assert.equal(history[promptId]?.status.status_str, 'success');
});

test('the recorded sequence: the client drops, reconnects with its clientId, and finishes the run on the new socket', async (t) => {
  const { fake, app } = await startStack(t);
  const first = await connect(t, app, 'dropper');
  const stall = fake.control.stall('ImageInvert');
  const { prompt_id: promptId } = (await postJson(`${app.url}/prompt`, { prompt: graph(12), client_id: 'dropper' })).body as { prompt_id: string };
  await stall.reached;
  await first.waitFor(() => first.frames.some((f) => f.type === 'executing' && f.data.node === '2'));
  first.ws.terminate();

  const again = await connect(t, app, 'dropper');
  assert.deepEqual(again.frames[1], { type: 'executing', data: { node: '2' } });
  stall.release();
  await again.waitForDone(promptId);
  assert.deepEqual(tail(again.frames, promptId, '3'), ['executing:3', 'executed:3', 'execution_success:', 'executing:']);
  const history = await getJson<Record<string, { status: { status_str: string }; outputs: Record<string, unknown> }>>(`${app.url}/history/${promptId}`);
  assert.equal(history[promptId]?.status.status_str, 'success');
  assert.ok(history[promptId]?.outputs['3']);

  // After the run nothing is executing: a later reconnect gets status only.
  const later = await connect(t, app, 'dropper');
  assert.deepEqual(later.frames[0], { type: 'status', data: { status: { exec_info: { queue_remaining: 0 } }, sid: 'dropper' } });
  assert.ok(!later.frames.some((f) => f.type === 'executing'));
});

test('a reconnect while the client’s prompt is still waiting behind another gets status only', async (t) => {
  const { fake, app } = await startStack(t);
  const stall = fake.control.stall('ImageInvert');
  const blocker = (await postJson(`${app.url}/prompt`, { prompt: graph(13), client_id: 'someone-else' })).body as { prompt_id: string };
  await stall.reached;
  const waiting = (await postJson(`${app.url}/prompt`, { prompt: graph(14), client_id: 'patient' })).body as { prompt_id: string };

  const patient = await connect(t, app, 'patient');
  assert.deepEqual(patient.frames[0], { type: 'status', data: { status: { exec_info: { queue_remaining: 2 } }, sid: 'patient' } });
  assert.ok(!patient.frames.some((f) => f.type === 'executing'), 'nothing of its own is executing');
  stall.release();
  await patient.waitForDone(waiting.prompt_id);
  assert.equal(patient.framesOf(blocker.prompt_id).length, 0);
});
