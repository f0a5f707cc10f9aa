/** The fake's test controls: failures, stalls, delays and progress, dropped sockets, crash and restart. */
import assert from 'node:assert/strict';
import test from 'node:test';
import { request } from './replay/http-client.js';
import { call, connect, fakeFor, frameWhere, queuePrompt, SIMPLE, textFrames, untilDone } from './test-helpers.js';

test('failNode: the node raises at runtime → execution_error to the client, history "error"; once fails once', async (t) => {
  const fake = await fakeFor(t);
  const client = await connect(t, fake, 'c1');
  fake.control.failNode('ImageInvert', { message: 'CUDA out of memory', type: 'torch.OutOfMemoryError', once: true });
  const id = await queuePrompt(fake, SIMPLE, { client_id: 'c1' });
  const entry = await fake.control.waitForHistory(id);
  await untilDone(client, id);
  assert.equal(entry.status.status_str, 'error');
  assert.equal(entry.status.completed, false);
  const error = textFrames(client.frames).find((f) => f.type === 'execution_error');
  assert.equal(error?.data['node_id'], '2');
  assert.equal(error?.data['exception_type'], 'torch.OutOfMemoryError');
  assert.equal(error?.data['exception_message'], 'CUDA out of memory\n');
  assert.deepEqual(error?.data['executed'], ['1']);
  const again = await queuePrompt(fake, SIMPLE, { client_id: 'c1' });
  assert.equal((await fake.control.waitForHistory(again)).status.status_str, 'success');
});

test('stall: the node holds (POST /interrupt waits for it, as in ComfyUI) until released', async (t) => {
  const fake = await fakeFor(t);
  const client = await connect(t, fake, 'c2');
  const stall = fake.control.stall({ nodeId: '2' });
  const id = await queuePrompt(fake, SIMPLE, { client_id: 'c2' });
  assert.deepEqual(await stall.reached, { promptId: id, nodeId: '2', classType: 'ImageInvert' });
  const queue = (await call(fake, 'GET', '/queue')).json as { queue_running: unknown[][] };
  assert.equal(queue.queue_running[0]?.[1], id);
  assert.equal((await call(fake, 'POST', '/interrupt', { prompt_id: id })).status, 200);
  assert.equal(fake.control.queueRemaining(), 1, 'still running: a node cannot be stopped mid-call');
  stall.release();
  const entry = await fake.control.waitForHistory(id);
  await untilDone(client, id);
  assert.deepEqual(entry.status.messages.at(-1)?.[0], 'execution_interrupted');
  const interrupted = textFrames(client.frames).find((f) => f.type === 'execution_interrupted');
  assert.equal(interrupted?.data['node_id'], '3', 'the stalled node finished; the next one was interrupted');
});

test('delays with progress steps: progress frames per step, and an interrupt stops the node at its next step', async (t) => {
  const fake = await fakeFor(t);
  const client = await connect(t, fake, 'c3');
  fake.control.setNodeDelay(40, 'ImageInvert');
  fake.control.setProgressSteps(4, 'ImageInvert');
  const id = await queuePrompt(fake, SIMPLE, { client_id: 'c3' });
  await untilDone(client, id);
  const progress = textFrames(client.frames).filter((f) => f.type === 'progress');
  assert.deepEqual(progress.map((p) => [p.data['value'], p.data['max'], p.data['node']]), [[1, 4, '2'], [2, 4, '2'], [3, 4, '2'], [4, 4, '2']]);

  fake.control.setNodeDelay(60_000, { nodeId: '2', classType: 'ImageInvert' });
  fake.control.setProgressSteps(1000, 'ImageInvert');
  const slow = await queuePrompt(fake, { ...SIMPLE, '1': { ...SIMPLE['1'], inputs: { ...SIMPLE['1'].inputs, color: 7 } } }, { client_id: 'c3' });
  await frameWhere(client, (f) => f.type === 'progress' && f.data['prompt_id'] === slow, 'first step');
  await call(fake, 'POST', '/interrupt');
  const entry = await fake.control.waitForHistory(slow);
  const last = entry.status.messages.at(-1) as [string, Record<string, unknown>];
  assert.deepEqual([last[0], last[1]['node_id']], ['execution_interrupted', '2']);
});

test('dropSockets cuts every socket without a close frame; the server keeps serving', async (t) => {
  const fake = await fakeFor(t);
  const a = await connect(t, fake, 'a');
  const closed = new Promise<number>((resolve) => a.ws.once('close', (code) => resolve(code)));
  assert.equal(fake.control.dropSockets(), 1);
  assert.equal(await closed, 1006);
  assert.deepEqual(fake.control.connectedClients(), []);
  await connect(t, fake, 'a');
  assert.deepEqual(fake.control.connectedClients(), ['a']);
});

test('crash loses the running prompt, queue and history; restart serves the same port with empty memory, files kept', async (t) => {
  const fake = await fakeFor(t);
  const client = await connect(t, fake, 'c4');
  const done = await queuePrompt(fake, SIMPLE, { client_id: 'c4' });
  await fake.control.waitForHistory(done);
  const stall = fake.control.stall('ImageInvert');
  // Another color: the same graph would come from the cache and never reach the stall.
  const lost = await queuePrompt(fake, { ...SIMPLE, '1': { ...SIMPLE['1'], inputs: { ...SIMPLE['1'].inputs, color: 1 } } });
  await stall.reached;
  const port = fake.port;
  const closed = new Promise((resolve) => client.ws.once('close', resolve));
  await fake.control.crash();
  await closed;
  assert.equal(fake.control.running, false);
  await assert.rejects(call(fake, 'GET', '/queue'), /ECONNREFUSED/);
  stall.release();
  await fake.control.restart();
  assert.equal(fake.port, port);
  assert.deepEqual((await call(fake, 'GET', '/history')).json, {});
  assert.deepEqual((await call(fake, 'GET', '/queue')).json, { queue_running: [], queue_pending: [] });
  assert.equal(((await call(fake, 'POST', '/prompt', { prompt: SIMPLE })).json as { number: number }).number, 0, 'the counter restarts');
  assert.equal((await call(fake, 'GET', '/view?filename=ctl_00001_.png')).status, 200, 'output files survive');
  assert.ok(fake.control.received.prompts.some((p) => p.promptId === lost), 'counters survive restarts');
});

test('restart while up behaves like a crash followed by a start', async (t) => {
  const fake = await fakeFor(t);
  const id = await queuePrompt(fake, SIMPLE);
  await fake.control.waitForHistory(id);
  await fake.control.restart();
  assert.equal(fake.control.running, true);
  assert.deepEqual((await call(fake, 'GET', `/history/${id}`)).json, {});
});

test('received: prompts with their answer, uploads with the stored name', async (t) => {
  const fake = await fakeFor(t);
  await queuePrompt(fake, SIMPLE);
  await call(fake, 'POST', '/prompt', { prompt: { '1': { class_type: 'Nope', inputs: {} } } });
  const [ok, bad] = fake.control.received.prompts;
  assert.equal(ok?.status, 200);
  assert.ok(ok?.promptId);
  assert.equal(bad?.status, 400);
  assert.deepEqual((bad?.body as { prompt: unknown }).prompt, { '1': { class_type: 'Nope', inputs: {} } });
  assert.ok(fake.control.received.requests.some((r) => r.method === 'POST' && r.path === '/prompt' && r.status === 400));
  const form = Buffer.from(
    '--b\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\nxyz\r\n--b--\r\n',
  );
  assert.equal((await request('POST', '/upload/image', { 'content-type': 'multipart/form-data; boundary=b' }, form, fake.port)).status, 200);
  assert.equal((await request('POST', '/upload/image', { 'content-type': 'multipart/form-data; boundary=b' }, Buffer.from('--b--\r\n'), fake.port)).status, 400);
  assert.deepEqual(fake.control.received.uploads, [
    { route: '/upload/image', status: 200, name: 'a.png', subfolder: '', type: 'input' },
    { route: '/upload/image', status: 400, name: undefined, subfolder: undefined, type: undefined },
  ]);
  fake.control.resetReceived();
  assert.equal(fake.control.received.prompts.length + fake.control.received.uploads.length, 0);
});
