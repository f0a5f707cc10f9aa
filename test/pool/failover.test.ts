import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import sharp from 'sharp';
import { ComfyTestClient, eventually, getJson, postJson } from '../helpers/comfy-client.js';
import type { TestApp } from '../helpers/app.js';
import type { FakeComfy } from '../fake-comfy/server.js';
import { postForm, solidPng } from '../files/helpers.js';
import { acceptedBy, backendArgs, imageGraph, ranOn, startFakes, startGateway, THREE, waitForState } from './pool-helpers.js';

async function submit(app: TestApp, tag: number, clientId: string): Promise<string> {
  const response = await postJson(`${app.url}/prompt`, { prompt: imageGraph(tag), client_id: clientId });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return (response.body as { prompt_id: string }).prompt_id;
}

/**
 * Six prompts, two per backend (running + prefetched): every backend stalls until all six are
 * placed, then a and c go on while b stays stalled on its running prompt.
 */
async function fillEvenly(app: TestApp, fakes: Record<'a' | 'b' | 'c', FakeComfy>, clientId: string) {
  const stalls = { a: fakes.a.control.stall(), b: fakes.b.control.stall(), c: fakes.c.control.stall() };
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push(await submit(app, i, clientId));
  await eventually(() => Object.values(fakes).every((f) => acceptedBy(f).length === 2), 10_000, 'two prompts per backend');
  const running = (await stalls.b.reached).promptId;
  stalls.a.release();
  stalls.c.release();
  return { ids, onB: acceptedBy(fakes.b), running, stall: stalls.b };
}

type History = Record<string, { status: { status_str: string }; outputs: Record<string, unknown> }>;

/** Every prompt is in our history once, succeeded, and its client saw it end exactly once. */
async function assertEachOnce(app: TestApp, client: ComfyTestClient, ids: readonly string[]): Promise<void> {
  const history = await getJson<History>(`${app.url}/history`);
  assert.equal(Object.keys(history).length, ids.length, 'one history entry per prompt, no more');
  for (const id of ids) {
    assert.equal(history[id]?.status.status_str, 'success', `${id} succeeded`);
    assert.ok(Object.keys(history[id]?.outputs ?? {}).length > 0, `${id} has outputs`);
    const ends = client.frames.filter((f) => f.type === 'executing' && f.data.node === null && f.data.prompt_id === id);
    assert.equal(ends.length, 1, `${id} ended once for its client`);
  }
  const jobs = await getJson<{ jobs: { id: string; status: string }[] }>(`${app.url}/api/jobs?limit=100`);
  assert.deepEqual(
    jobs.jobs.map((j) => j.status),
    ids.map(() => 'completed'),
  );
}

test('a backend that crashes mid-run: its prompts finish on the others, once each; back up, it takes work again', async (t) => {
  const fakes = await startFakes(t, THREE);
  const app = await startGateway(t, [...backendArgs(fakes), '--failover-after', '200'], { waitFor: ['a', 'b', 'c'] });
  const client = await ComfyTestClient.connect(app.wsUrl, 'crash');
  t.after(() => client.close());

  // b holds two prompts (one running, stalled; one prefetched) when it dies.
  const { ids, onB, running: reached, stall } = await fillEvenly(app, fakes, 'crash');
  for (const id of ids.filter((id) => !onB.includes(id))) await client.waitForDone(id);

  await fakes.b.control.crash();
  for (const id of onB) await client.waitForDone(id);
  for (const id of onB) {
    const where = ranOn(fakes, id);
    assert.ok(where === 'a' || where === 'c', `${id} finished on a survivor (${where})`);
    assert.equal(acceptedBy(fakes.a).concat(acceptedBy(fakes.c)).filter((x) => x === id).length, 1, 'moved once');
  }
  // The prompt that was running on b started again elsewhere: its client saw a fresh start.
  const starts = client.frames.filter((f) => f.type === 'execution_start' && f.data.prompt_id === reached);
  assert.equal(starts.length, 2, 'execution_start from b, then from the backend that took over');
  const frames = client.framesOf(reached).map((f) => f.type);
  assert.equal(frames.lastIndexOf('execution_start') < frames.indexOf('execution_success'), true);
  await assertEachOnce(app, client, ids);

  // b comes back empty-handed: nothing is recorded twice and it takes prompts again.
  stall.release();
  await fakes.b.control.restart();
  await waitForState(app, ['b'], 'up');
  const more = [];
  for (let i = 10; i < 16; i++) more.push(await submit(app, i, 'crash'));
  for (const id of more) await client.waitForDone(id);
  assert.ok(more.some((id) => ranOn(fakes, id) === 'b'), 'b ran some of the new prompts');
  await assertEachOnce(app, client, [...ids, ...more]);
});

/**
 * A TCP forwarder in front of a backend that can cut every connection and refuse new ones: a
 * network partition, while the backend itself keeps running what it has.
 */
async function startPartition(targetPort: number): Promise<{ url: string; cut(): void; heal(): void; close(): Promise<void> }> {
  let open = true;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    if (!open) return inbound.destroy();
    const outbound = net.connect(targetPort, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    cut: () => {
      open = false;
      for (const s of sockets) s.destroy();
    },
    heal: () => {
      open = true;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('a partitioned backend that kept its prompts: they run once elsewhere, and after it returns its copies are removed', async (t) => {
  const fakes = await startFakes(t, THREE);
  const partition = await startPartition(fakes.b.port);
  t.after(() => partition.close());
  const app = await startGateway(
    t,
    ['--comfyui', `a=${fakes.a.url}`, '--comfyui', `b=${partition.url}`, '--comfyui', `c=${fakes.c.url}`, '--failover-after', '200'],
    { waitFor: ['a', 'b', 'c'] },
  );
  const client = await ComfyTestClient.connect(app.wsUrl, 'partition');
  t.after(() => client.close());

  const { ids, onB, running, stall } = await fillEvenly(app, fakes, 'partition');
  const prefetched = onB.find((id) => id !== running) as string;

  partition.cut();
  for (const id of ids) await client.waitForDone(id);
  for (const id of onB) assert.notEqual(ranOn(fakes, id), 'b', 'finished elsewhere');
  assert.equal(fakes.b.control.queueRemaining(), 2, 'b still holds both, unaware');

  // b is reachable again: it still holds both prompts under our clientId. The pending one is
  // taken out of its queue, the running one interrupted; neither is recorded a second time.
  partition.heal();
  await waitForState(app, ['b'], 'up');
  await eventually(() => fakes.b.control.queueRemaining() <= 1, 10_000, 'b dropped the prefetched copy');
  // The stalled node holds until released, POST /interrupt notwithstanding: release it only once
  // the interrupt is in, or the copy finishes first whenever the release wins the race.
  await eventually(() => fakes.b.control.received.requests.some((r) => r.method === 'POST' && r.path === '/interrupt'), 10_000, 'b was told to interrupt');
  stall.release();
  await fakes.b.control.waitForIdle();
  const bHistory = await getJson<History>(`${fakes.b.url}/history`);
  assert.equal(bHistory[prefetched], undefined, 'the prefetched copy never ran on b');
  assert.notEqual(bHistory[running]?.status.status_str, 'success', 'the running copy was interrupted');
  await assertEachOnce(app, client, ids);
  // Nothing of b's late copy reached the client after the prompt had ended.
  const frames = client.framesOf(running).map((f) => f.type);
  assert.equal(frames.at(-1), 'executing');
  assert.ok(!frames.includes('execution_interrupted'));

  // And b takes new work.
  const next = [];
  for (let i = 10; i < 16; i++) next.push(await submit(app, i, 'partition'));
  for (const id of next) await client.waitForDone(id);
  assert.ok(next.some((id) => ranOn(fakes, id) === 'b'));
});

test('a prompt that moves to another backend takes its input file along, and its output is viewable through us', async (t) => {
  const classes = ['LoadImage', 'ImageInvert', 'SaveImage'];
  const fakes = await startFakes(t, { a: { nodeClasses: classes }, b: { nodeClasses: classes } });
  const app = await startGateway(t, [...backendArgs(fakes), '--failover-after', '200'], { waitFor: ['a', 'b'] });
  const client = await ComfyTestClient.connect(app.wsUrl, 'inputs');
  t.after(() => client.close());

  const uploaded = await postForm(`${app.url}/upload/image`, [{ name: 'image', filename: 'moving.png', value: await solidPng(4, 4, [10, 20, 30, 255]) }]);
  assert.equal(uploaded.status, 200);
  // Steer it to b first (a draining), then let a take work again and kill b mid-run.
  const drain = (draining: boolean) =>
    fetch(`${app.url}/automa/backends/a`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ draining }) });
  assert.equal((await drain(true)).status, 200);
  const stall = fakes.b.control.stall({ classType: 'ImageInvert' });
  const graph = {
    '1': { class_type: 'LoadImage', inputs: { image: 'moving.png' } },
    '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
    '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'moved' } },
  };
  const queued = await postJson(`${app.url}/prompt`, { prompt: graph, client_id: 'inputs' });
  assert.equal(queued.status, 200, JSON.stringify(queued.body));
  const id = (queued.body as { prompt_id: string }).prompt_id;
  await stall.reached;
  assert.equal((await drain(false)).status, 200);
  assert.equal(fakes.a.control.received.uploads.length, 0, 'a has not needed the file yet');
  await fakes.b.control.crash();

  await client.waitForDone(id);
  assert.equal(ranOn(fakes, id), 'a');
  assert.deepEqual(fakes.a.control.received.uploads.map((u) => [u.route, u.status, u.name]), [['/upload/image', 200, 'moving.png']]);
  const history = await getJson<History>(`${app.url}/history/${id}`);
  assert.equal(history[id]?.status.status_str, 'success');
  const image = (history[id]?.outputs['3'] as { images: { filename: string; subfolder: string; type: string }[] } | undefined)?.images[0];
  assert.ok(image);
  await fakes.a.close();
  const view = await fetch(`${app.url}/view?filename=${encodeURIComponent(image.filename)}&subfolder=${encodeURIComponent(image.subfolder)}&type=${image.type}`);
  assert.equal(view.status, 200);
  const { data } = await sharp(Buffer.from(await view.arrayBuffer())).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([...data.subarray(0, 3)], [245, 235, 225], 'the uploaded pixels, inverted');
});

test('twenty prompts over two backends working at once, one killed midway: all twenty in history, outputs viewable', async (t) => {
  const fakes = await startFakes(t, { a: THREE.a, b: THREE.b });
  for (const fake of Object.values(fakes)) fake.control.setNodeDelay(20, 'ImageInvert');
  const app = await startGateway(t, [...backendArgs(fakes), '--failover-after', '200'], { waitFor: ['a', 'b'] });
  const client = await ComfyTestClient.connect(app.wsUrl, 'twenty');
  t.after(() => client.close());

  const ids: string[] = [];
  for (let i = 0; i < 20; i++) ids.push(await submit(app, 500 + i, 'twenty'));
  // Both work at once, then b dies with prompts in hand.
  await eventually(() => acceptedBy(fakes.a).length >= 2 && acceptedBy(fakes.b).length >= 2, 10_000, 'both busy');
  const stall = fakes.b.control.stall();
  await stall.reached;
  await fakes.b.control.crash();
  for (const id of ids) await client.waitForDone(id);
  await assertEachOnce(app, client, ids);

  const history = await getJson<History>(`${app.url}/history`);
  for (const id of ids) {
    const image = (history[id]?.outputs['3'] as { images: { filename: string; subfolder: string; type: string }[] } | undefined)?.images[0];
    assert.ok(image, `${id} has an image`);
    const view = await fetch(`${app.url}/view?filename=${encodeURIComponent(image.filename)}&subfolder=${encodeURIComponent(image.subfolder)}&type=${image.type}`);
    assert.equal(view.status, 200);
    await view.arrayBuffer();
  }
  stall.release();
});

test('a prompt only the dead backend can run waits for it, and runs there once it is back', async (t) => {
  const fakes = await startFakes(t, THREE);
  const app = await startGateway(t, [...backendArgs(fakes), '--failover-after', '200'], { waitFor: ['a', 'b', 'c'] });
  const client = await ComfyTestClient.connect(app.wsUrl, 'waits');
  t.after(() => client.close());

  const stall = fakes.c.control.stall({ classType: 'ImageBlur' });
  const running = (await postJson(`${app.url}/prompt`, { prompt: imageGraph(1, { blur: true }), client_id: 'waits' })).body as { prompt_id: string };
  await stall.reached;
  await fakes.c.control.crash();
  stall.release();
  await waitForState(app, ['c'], 'down');
  // Submitted while c is down: accepted (c's node classes are known), and it waits too.
  const later = await postJson(`${app.url}/prompt`, { prompt: imageGraph(2, { blur: true }), client_id: 'waits' });
  assert.equal(later.status, 200);
  const laterId = (later.body as { prompt_id: string }).prompt_id;
  const plain = await submit(app, 3, 'waits');
  await client.waitForDone(plain);
  // The one c was running stays c's (it may come back with it); the later one waits in our queue.
  const queue = await getJson<{ queue_pending: [number, string][]; queue_running: [number, string][] }>(`${app.url}/queue`);
  assert.deepEqual(queue.queue_running.map(([, id]) => id), [running.prompt_id]);
  assert.deepEqual(queue.queue_pending.map(([, id]) => id), [laterId]);
  assert.equal(acceptedBy(fakes.a).length + acceptedBy(fakes.b).length, 1, 'only the plain prompt went elsewhere');

  await fakes.c.control.restart();
  for (const id of [running.prompt_id, laterId]) {
    await client.waitForDone(id);
    assert.equal(ranOn(fakes, id), 'c');
  }
  const history = await getJson<History>(`${app.url}/history`);
  for (const id of [running.prompt_id, laterId, plain]) assert.equal(history[id]?.status.status_str, 'success');
});

test('the attempt count follows a prompt across failovers, and --max-attempts still caps it', async (t) => {
  const fakes = await startFakes(t, THREE);
  const app = await startGateway(t, [...backendArgs(fakes), '--failover-after', '200', '--max-attempts', '2'], { waitFor: ['a', 'b', 'c'] });
  const client = await ComfyTestClient.connect(app.wsUrl, 'unlucky');
  t.after(() => client.close());

  const stalls = Object.values(fakes).map((fake) => fake.control.stall({ classType: 'ImageInvert' }));
  const id = await submit(app, 1, 'unlucky');
  // Wherever it runs, that backend dies; after two runs it is given up.
  for (let attempt = 1; attempt <= 2; attempt++) {
    await eventually(() => ranOn(fakes, id) !== undefined && fakes[ranOn(fakes, id) as 'a' | 'b' | 'c'].control.running, 10_000, `attempt ${attempt} placed`);
    const where = ranOn(fakes, id) as 'a' | 'b' | 'c';
    await eventually(() => client.frames.filter((f) => f.type === 'execution_start' && f.data.prompt_id === id).length === attempt, 10_000, `attempt ${attempt} started`);
    await fakes[where].control.crash();
  }
  await client.waitForDone(id);
  const error = client.framesOf(id).find((f) => f.type === 'execution_error');
  assert.match(String(error?.data.exception_message), /2 attempts/);
  const history = await getJson<History>(`${app.url}/history/${id}`);
  assert.equal(history[id]?.status.status_str, 'error');
  const sent = Object.values(fakes).reduce((n, fake) => n + acceptedBy(fake).filter((x) => x === id).length, 0);
  assert.equal(sent, 2, 'not sent a third time');
  for (const stall of stalls) stall.release();
});
