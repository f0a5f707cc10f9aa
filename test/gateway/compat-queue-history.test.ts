/**
 * The queue, interrupt and history routes against the recordings (queue_history_interrupt_free,
 * get_endpoints): same tuples, same empty 200s, same targeted-interrupt rules, same paging.
 * Where a scenario depends on ComfyUI's exact behaviour (history paging), a second fake
 * ComfyUI run directly serves as the reference.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type TestApp } from '../helpers/app.js';
import { startStack } from '../helpers/stack.js';
import { ComfyTestClient, eventually, getJson, postJson } from '../helpers/comfy-client.js';
import { startFakeComfy } from '../fake-comfy/server.js';

/** The recorded "slow prompt": EmptyImage → ImageBlur → ImageBlur → PreviewImage. */
const slowPrompt = (color: number) => ({
  '1': { class_type: 'EmptyImage', inputs: { width: 256, height: 256, batch_size: 1, color } },
  '2': { class_type: 'ImageBlur', inputs: { image: ['1', 0], blur_radius: 31, sigma: 9.0 } },
  '3': { class_type: 'ImageBlur', inputs: { image: ['2', 0], blur_radius: 31, sigma: 9.5 } },
  '4': { class_type: 'PreviewImage', inputs: { images: ['3', 0] } },
});

type Tuple = [number, string, Record<string, unknown>, Record<string, unknown>, string[]];
interface Queue {
  queue_running: Tuple[];
  queue_pending: Tuple[];
}
interface HistoryEntry {
  prompt: Tuple;
  outputs: Record<string, unknown>;
  status: { status_str: string; completed: boolean; messages: [string, Record<string, unknown>][] };
  meta: Record<string, unknown>;
}

async function submit(app: TestApp, prompt: object, clientId = 'rec-queue'): Promise<string> {
  const response = await postJson(`${app.url}/prompt`, { prompt, client_id: clientId });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return (response.body as { prompt_id: string }).prompt_id;
}

/** POST as ComfyUI clients do; ComfyUI answers these with an empty 200. */
async function postEmpty200(url: string, body?: unknown): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  assert.equal(response.status, 200, `POST ${url}`);
  assert.equal(await response.text(), '', `POST ${url} answers an empty body`);
}

test('GET /queue with four slow prompts: one running, the prefetched one and the rest pending, in ComfyUI’s tuple shape', async (t) => {
  const { fake, app } = await startStack(t);
  const stall = fake.control.stall('ImageBlur');
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push(await submit(app, slowPrompt(605 + i)));
  await stall.reached;
  // The backend holds the running prompt plus one prefetched; the other two wait with us.
  await eventually(() => fake.control.queueRemaining() === 2, 10_000, 'backend holds two');

  for (const prefix of ['', '/api']) {
    const queue = await getJson<Queue>(`${app.url}${prefix}/queue`);
    assert.deepEqual(queue.queue_running.map((t) => t[1]), [ids[0]], 'running in queue_running');
    assert.deepEqual(queue.queue_pending.map((t) => t[1]), ids.slice(1), 'prefetched and pending alike, in run order');
    for (const [i, tuple] of [...queue.queue_running, ...queue.queue_pending].entries()) {
      assert.equal(tuple.length, 5);
      const [number, id, prompt, extra, outputs] = tuple;
      assert.equal(id, ids[i]);
      assert.equal(typeof number, 'number');
      assert.deepEqual(prompt, slowPrompt(605 + i));
      assert.deepEqual(Object.keys(extra).sort(), ['client_id', 'create_time'], 'extra_data as the recording shows it');
      assert.equal(extra.client_id, 'rec-queue');
      assert.deepEqual(outputs, ['4']);
    }
    const numbers = [...queue.queue_running, ...queue.queue_pending].map((t) => t[0]);
    assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), 'numbers grow in submit order');
  }
  assert.deepEqual(await getJson(`${app.url}/prompt`), { exec_info: { queue_remaining: 4 } });
  assert.deepEqual(await getJson(`${app.url}/api/prompt`), { exec_info: { queue_remaining: 4 } });
  assert.deepEqual(await getJson(`${app.url}/history/${ids[0]}`), {}, 'running: {} as ComfyUI');

  // POST /queue delete: one pending, then an unknown id (no-op), then clear (running stays).
  await postEmpty200(`${app.url}/queue`, { delete: [ids[3]] });
  assert.deepEqual((await getJson<Queue>(`${app.url}/queue`)).queue_pending.map((t) => t[1]), [ids[1], ids[2]]);
  await postEmpty200(`${app.url}/queue`, { delete: ['no-such-id'] });
  await postEmpty200(`${app.url}/queue`, { clear: true });
  const cleared = await getJson<Queue>(`${app.url}/queue`);
  assert.deepEqual(cleared.queue_running.map((t) => t[1]), [ids[0]], 'after clear: running item remains');
  assert.deepEqual(cleared.queue_pending, []);
  assert.deepEqual(await getJson(`${app.url}/prompt`), { exec_info: { queue_remaining: 1 } });
  // The prefetched prompt was taken back from the backend too.
  await eventually(() => fake.control.queueRemaining() === 1, 10_000, 'backend holds only the running prompt');
  await postEmpty200(`${app.url}/api/queue`, { clear: true });

  stall.release();
  await eventually(async () => Object.keys(await getJson<object>(`${app.url}/history`)).length === 1, 10_000, 'running prompt done');
  assert.deepEqual(Object.keys(await getJson<object>(`${app.url}/history`)), [ids[0]], 'deleted and cleared prompts never ran');
});

test('targeted POST /interrupt: an id that is not running is a no-op, the running one is interrupted and recorded as ComfyUI records it', async (t) => {
  const { fake, app } = await startStack(t);
  const client = await ComfyTestClient.connect(app.wsUrl, 'rec-queue');
  t.after(() => client.close());
  const stall = fake.control.stall({ classType: 'ImageBlur', nodeId: '2' });
  const running = await submit(app, slowPrompt(605));
  const prefetched = await submit(app, slowPrompt(606));
  const pending = await submit(app, slowPrompt(607));
  await stall.reached;
  await eventually(() => fake.control.queueRemaining() === 2, 10_000, 'one prefetched');

  // Neither a pending nor a prefetched prompt is touched by a targeted interrupt (ComfyUI: only if running).
  await postEmpty200(`${app.url}/interrupt`, { prompt_id: 'not-running-id' });
  await postEmpty200(`${app.url}/interrupt`, { prompt_id: pending });
  await postEmpty200(`${app.url}/api/interrupt`, { prompt_id: prefetched });
  await postEmpty200(`${app.url}/interrupt`, { prompt_id: running });
  stall.release();
  await client.waitForDone(running);

  const interrupted = client.framesOf(running).find((f) => f.type === 'execution_interrupted');
  assert.ok(interrupted, 'execution_interrupted relayed to the prompt’s client');
  assert.deepEqual(Object.keys(interrupted.data).sort(), ['executed', 'node_id', 'node_type', 'prompt_id', 'timestamp']);
  assert.equal(interrupted.data.node_id, '3');
  assert.equal(interrupted.data.node_type, 'ImageBlur');
  assert.deepEqual([...(interrupted.data.executed as string[])].sort(), ['1', '2']);

  const entry = (await getJson<Record<string, HistoryEntry>>(`${app.url}/history/${running}`))[running];
  assert.ok(entry);
  assert.deepEqual(entry.outputs, {});
  assert.deepEqual(entry.meta, {});
  assert.equal(entry.status.status_str, 'error');
  assert.equal(entry.status.completed, false);
  assert.deepEqual(entry.status.messages.map(([type]) => type), ['execution_start', 'execution_cached', 'execution_interrupted']);
  assert.deepEqual(entry.status.messages[2]?.[1], interrupted.data);
  assert.equal(entry.prompt[1], running);

  // The others were left alone and run to success.
  await client.waitForDone(pending);
  for (const id of [prefetched, pending]) {
    const other = (await getJson<Record<string, HistoryEntry>>(`${app.url}/history/${id}`))[id];
    assert.equal(other?.status.status_str, 'success', `${id} unaffected`);
  }
  // POST /interrupt with no body or {} while idle: 200, nothing happens.
  await postEmpty200(`${app.url}/interrupt`);
  await postEmpty200(`${app.url}/interrupt`, {});
});

test('POST /interrupt without a prompt id interrupts whatever runs, not what waits', async (t) => {
  const { fake, app } = await startStack(t);
  const client = await ComfyTestClient.connect(app.wsUrl, 'rec-queue');
  t.after(() => client.close());
  const stall = fake.control.stall({ classType: 'ImageBlur', nodeId: '2' });
  const running = await submit(app, slowPrompt(700));
  const next = await submit(app, slowPrompt(701));
  await stall.reached;
  await postEmpty200(`${app.url}/interrupt`);
  stall.release();
  await client.waitForDone(next);
  const status = async (id: string) => (await getJson<Record<string, HistoryEntry>>(`${app.url}/history/${id}`))[id]?.status;
  assert.equal((await status(running))?.status_str, 'error');
  assert.ok((await status(running))?.messages.some(([type]) => type === 'execution_interrupted'));
  assert.equal((await status(next))?.status_str, 'success');
});

test('GET /history paging matches ComfyUI’s (a fake ComfyUI run directly is the reference); POST /history delete and clear', async (t) => {
  const { app } = await startStack(t);
  const reference = await startFakeComfy();
  t.after(() => reference.close());
  const client = await ComfyTestClient.connect(app.wsUrl, 'pager');
  t.after(() => client.close());

  const quick = (color: number) => ({
    '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color } },
    '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'page' } },
  });
  const ours: string[] = [];
  const theirs: string[] = [];
  for (let i = 0; i < 5; i++) {
    ours.push(await submit(app, quick(i), 'pager'));
    await client.waitForDone(ours[i] as string);
    const direct = await postJson(`${reference.url}/prompt`, { prompt: quick(i) });
    const id = (direct.body as { prompt_id: string }).prompt_id;
    await reference.control.waitForHistory(id);
    theirs.push(id);
  }

  const queries = [
    '',
    '?max_items=2',
    '?max_items=2&offset=0',
    '?max_items=2&offset=1',
    '?max_items=2&offset=4',
    '?max_items=3&offset=-1',
    '?offset=2',
    '?offset=10',
    '?max_items=10',
    '?max_items=1',
    '?max_items=5&offset=0',
    '?max_items=0',
    '?max_items=0&offset=1', // ComfyUI checks the cap after adding: one entry
    '?max_items=0&offset=9',
  ];
  for (const query of queries) {
    const expected = Object.keys(await getJson<object>(`${reference.url}/history${query}`)).map((id) => theirs.indexOf(id));
    for (const prefix of ['', '/api']) {
      const got = Object.keys(await getJson<object>(`${app.url}${prefix}/history${query}`)).map((id) => ours.indexOf(id));
      assert.deepEqual(got, expected, `GET ${prefix}/history${query}`);
    }
  }
  const full = await getJson<Record<string, HistoryEntry>>(`${app.url}/history`);
  for (const [id, entry] of Object.entries(full)) {
    assert.deepEqual(Object.keys(entry), ['prompt', 'outputs', 'status', 'meta'], 'entry keys in ComfyUI’s order');
    assert.equal(entry.prompt[1], id);
  }

  await postEmpty200(`${app.url}/history`, { delete: [ours[0], ours[1]] });
  assert.deepEqual(await getJson(`${app.url}/history/${ours[0]}`), {}, 'deleted item -> {}');
  assert.deepEqual(Object.keys(await getJson<object>(`${app.url}/history`)), ours.slice(2));
  await postEmpty200(`${app.url}/history`, { delete: ['no-such-id'] });
  await postEmpty200(`${app.url}/history`, {});
  assert.equal(Object.keys(await getJson<object>(`${app.url}/history`)).length, 3, 'an empty request changes nothing');
  await postEmpty200(`${app.url}/history`, { clear: true });
  assert.deepEqual(await getJson(`${app.url}/history`), {}, 'after clear');
  await submit(app, quick(9), 'pager');
  await eventually(async () => Object.keys(await getJson<object>(`${app.url}/api/history`)).length === 1, 10_000, 'one more');
  await postEmpty200(`${app.url}/api/history`, { clear: true });
  assert.deepEqual(await getJson(`${app.url}/api/history`), {});
});
