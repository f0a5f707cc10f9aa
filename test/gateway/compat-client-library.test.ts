/**
 * A published ComfyUI client library (@stable-canvas/comfyui-client) pointed at the gateway
 * instead of ComfyUI: only its host changes. Whatever it does against ComfyUI must work here.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Client, Workflow, WorkflowExecutionError, WorkflowInterruptedError } from '@stable-canvas/comfyui-client';
import WebSocket from 'ws';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { waitForBackendsUp } from '../helpers/stack.js';
import { eventually } from '../helpers/comfy-client.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/server.js';

interface Stack {
  readonly fake: FakeComfy;
  readonly app: TestApp;
  readonly client: Client;
}

/** Fake ComfyUI + gateway + a connected library client whose host is the gateway's. */
async function startStack(t: TestContext, clientId: string): Promise<Stack> {
  const fake = await startFakeComfy();
  const app = await startTestApp(['--comfyui', fake.url]);
  // The library reconnects forever when the server goes away: it must close first.
  let client: Client | undefined;
  t.after(async () => {
    client?.close();
    await app.close();
    await fake.close();
  });
  await waitForBackendsUp(app.url);
  client = new Client({ api_host: new URL(app.url).host, clientId, WebSocket, fetch });
  assert.equal(await client.connect(), true);
  return { fake, app, client };
}

/** EmptyImage → ImageInvert → SaveImage, built with the library's workflow API. */
function invertAndSave(color: number, prefix: string): Workflow {
  const workflow = new Workflow();
  const { EmptyImage, ImageInvert, SaveImage } = workflow.classes;
  const [image] = EmptyImage({ width: 16, height: 16, batch_size: 1, color });
  const [inverted] = ImageInvert({ image });
  SaveImage({ images: inverted, filename_prefix: prefix });
  return workflow;
}

async function fetchPng(url: string): Promise<Buffer> {
  const response = await fetch(url);
  assert.equal(response.status, 200, `GET ${url}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG');
  return bytes;
}

test('the library enqueues, follows progress over its WebSocket, and downloads the result from the gateway', async (t) => {
  const { fake, app, client } = await startStack(t, 'lib-enqueue');
  fake.control.setProgressSteps(3, 'ImageInvert');

  const stats = await client.getSystemStats();
  assert.equal(typeof stats.system.comfyui_version, 'string', 'system_stats reaches the backend');

  const progress: { value: number; max: number }[] = [];
  const statuses: unknown[] = [];
  client.on('status', (status) => statuses.push(status));
  const { prompt } = invertAndSave(0x102030, 'lib').workflow();
  const result = await client.enqueue(prompt, { progress: (p) => progress.push({ value: p.value, max: p.max }) });

  assert.match(result.prompt_id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(progress, [1, 2, 3].map((value) => ({ value, max: 3 })), 'every progress step of its prompt');
  assert.ok(statuses.length > 0, 'status frames parsed');
  assert.equal(result.images.length, 1);
  const image = result.images[0];
  assert.ok(image?.type === 'url');
  const viewUrl = new URL(String(image.data));
  assert.equal(viewUrl.host, new URL(app.url).host, 'the library builds /view URLs on the gateway');
  assert.equal(viewUrl.searchParams.get('type'), 'output');
  const bytes = await fetchPng(viewUrl.href);

  // Reading the result back the library's other ways: status, outputs, history.
  await eventually(async () => (await client.getPromptStatus(result.prompt_id)).done, 10_000, 'prompt done');
  const outputs = await client.getPromptOutputs(result.prompt_id);
  assert.deepEqual(Object.keys(outputs), ['3']);
  const viaHistory = await client.getPromptResult(result.prompt_id);
  assert.deepEqual(viaHistory.images, result.images);
  const { History } = await client.getHistory(10);
  assert.equal(History.length, 1);
  assert.equal(History[0]?.prompt[1], result.prompt_id);
  assert.equal(History[0]?.status?.status_str, 'success');

  // The file is the gateway's copy: it is still there once the backend has forgotten it.
  await fake.control.crash();
  assert.deepEqual(await fetchPng(viewUrl.href), bytes);
});

test('the library’s workflow API: invoke() resolves after the prompt leaves the queue; polling mode works too', async (t) => {
  const { client } = await startStack(t, 'lib-workflow');

  // Workflow.invoke(): enqueue, then wait for `executed` + the prompt leaving GET /queue.
  const invoked = invertAndSave(0x405060, 'wf').instance(client);
  await invoked.enqueue();
  const result = await invoked.wait();
  assert.equal(result.images.length, 1);
  await fetchPng(String(result.images[0]?.data));
  const invokedId = invoked.task_id ?? '';
  assert.deepEqual(await client.getPromptStatus(invokedId), { running: false, pending: false, done: true });

  const polled = await client.enqueue_polling(invertAndSave(0x708090, 'poll').workflow().prompt, { polling_ms: 50 });
  assert.equal(polled.images.length, 1);
  assert.notEqual(polled.prompt_id, invokedId);
  await fetchPng(String(polled.images[0]?.data));

  const { History } = await client.getHistory();
  assert.deepEqual(
    History.map((h) => h.prompt[1]),
    [invokedId, polled.prompt_id],
    'history oldest first, as ComfyUI returns it',
  );
});

test('the library sees execution errors and interruptions as it would from ComfyUI', async (t) => {
  const { fake, client } = await startStack(t, 'lib-errors');

  fake.control.failNode('ImageInvert', { message: 'boom', type: 'ValueError', once: true });
  await assert.rejects(client.enqueue(invertAndSave(1, 'err').workflow().prompt), (err: Error) => {
    assert.ok(err instanceof WorkflowExecutionError);
    assert.equal(err.payload.exception_type, 'ValueError');
    assert.match(err.payload.exception_message, /^boom/);
    return true;
  });

  // Stall ImageInvert, interrupt through the library while it runs: the next node start stops it.
  const stall = fake.control.stall('ImageInvert');
  const invoked = invertAndSave(2, 'int').instance(client);
  await invoked.enqueue();
  const outcome = invoked.wait().then(
    () => 'resolved',
    (err: unknown) => (err instanceof WorkflowInterruptedError ? 'interrupted' : String(err)),
  );
  await stall.reached;
  await eventually(async () => (await invoked.query()).running, 10_000, 'prompt shown as running');
  await invoked.interrupt();
  stall.release();
  assert.equal(await outcome, 'interrupted');
  const { History } = await client.getHistory();
  const entry = History.find((h) => h.prompt[1] === invoked.task_id);
  assert.equal(entry?.status?.status_str, 'error');
});

test('the library’s queue and history housekeeping calls are answered as ComfyUI answers them', async (t) => {
  const { fake, client } = await startStack(t, 'lib-housekeeping');

  // interrupt() with no prompt sends an empty body labelled application/json; ComfyUI takes it.
  await client.interrupt();
  await client.interrupt('not-running');

  const stall = fake.control.stall('ImageInvert');
  const running = await client._enqueue_prompt(invertAndSave(3, 'q1').workflow().prompt);
  const waiting = await client._enqueue_prompt(invertAndSave(4, 'q2').workflow().prompt);
  const third = await client._enqueue_prompt(invertAndSave(5, 'q3').workflow().prompt);
  await stall.reached;
  await eventually(async () => (await client.getPromptStatus(running.prompt_id)).running, 10_000, 'first prompt running');
  const queue = await client.getQueue();
  assert.deepEqual(queue.Running.map((item) => (item as unknown as unknown[])[1]), [running.prompt_id]);
  assert.deepEqual(queue.Pending.map((item) => (item as unknown as unknown[])[1]), [waiting.prompt_id, third.prompt_id]);

  await client.deleteItem('queue', third.prompt_id);
  assert.deepEqual(await client.getPromptStatus(third.prompt_id), { running: false, pending: false, done: true });
  await client.clearItems('queue');
  assert.deepEqual((await client.getQueue()).Pending, []);
  stall.release();
  await eventually(async () => (await client.getPromptStatus(running.prompt_id)).done, 10_000, 'running prompt finished');
  assert.deepEqual(
    (await client.getHistory()).History.map((h) => h.prompt[1]),
    [running.prompt_id],
    'deleted and cleared prompts never ran',
  );
  assert.ok(!fake.control.received.prompts.some((p) => p.promptId === third.prompt_id), 'the backend never saw the deleted prompt');

  await client.deleteItem('history', running.prompt_id);
  assert.deepEqual((await client.getHistory()).History, []);
  await client._enqueue_prompt(invertAndSave(6, 'q4').workflow().prompt);
  await eventually(async () => (await client.getHistory()).History.length === 1, 10_000, 'one more in history');
  await client.clearItems('history');
  assert.deepEqual((await client.getHistory()).History, []);

  // Node definitions come from the gateway's object_info cache; the lists the library derives from them.
  const defs = await client.getNodeDefs();
  assert.ok(defs.KSampler && defs.SaveImage);
  assert.ok((await client.getSamplers()).includes('euler'));
  assert.deepEqual(await client.getExtensions(), []);
  assert.deepEqual(await client.getEmbeddings(), []);
  await client.free({ unload_models: true });
});
