import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeTempDir, type TestApp } from '../helpers/app.js';
import { ComfyTestClient, eventually, getJson, postJson } from '../helpers/comfy-client.js';
import { acceptedBy, backends, imageGraph, ranOn, startFakes, startGateway, THREE, waitForState, type BackendView } from './pool-helpers.js';

async function submit(app: TestApp, tag: number, clientId: string): Promise<string> {
  const response = await postJson(`${app.url}/prompt`, { prompt: imageGraph(tag), client_id: clientId });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return (response.body as { prompt_id: string }).prompt_id;
}

async function send(method: string, url: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
}

test('a backend added at runtime takes prompts; draining stops new work but finishes the current; DELETE waits, then removes', async (t) => {
  const fakes = await startFakes(t, { a: THREE.a, d: THREE.b });
  const app = await startGateway(t, ['--comfyui', `a=${fakes.a.url}`], { waitFor: ['a'] });
  const client = await ComfyTestClient.connect(app.wsUrl, 'runtime');
  t.after(() => client.close());

  const added = await send('POST', `${app.url}/automa/backends`, { name: 'd', url: fakes.d.url });
  assert.equal(added.status, 201);
  assert.equal((added.body as BackendView).name, 'd');
  await waitForState(app, ['d'], 'up');

  // Both hold a stalled prompt: the second one went to the new backend.
  const stallA = fakes.a.control.stall();
  const stallD = fakes.d.control.stall();
  const first = await submit(app, 1, 'runtime');
  const second = await submit(app, 2, 'runtime');
  await Promise.all([stallA.reached, stallD.reached]);
  assert.deepEqual(acceptedBy(fakes.d), [second]);

  // Draining d: it keeps its running prompt, takes nothing new (a gets the rest, in order).
  const drained = await send('PATCH', `${app.url}/automa/backends/d`, { draining: true });
  assert.equal(drained.status, 200);
  assert.equal((drained.body as BackendView).state, 'draining');
  const later = [await submit(app, 3, 'runtime'), await submit(app, 4, 'runtime')];
  stallA.release();
  for (const id of [first, ...later]) await client.waitForDone(id);
  for (const id of later) assert.equal(ranOn(fakes, id), 'a');
  assert.deepEqual(acceptedBy(fakes.d), [second], 'd took nothing while draining');

  // DELETE while busy: 202, it stays (draining) until its prompt is done, then it is gone.
  const removing = await send('DELETE', `${app.url}/automa/backends/d`);
  assert.equal(removing.status, 202);
  assert.deepEqual(removing.body, { state: 'draining' });
  assert.equal((await backends(app)).find((b) => b.name === 'd')?.state, 'draining');
  stallD.release();
  await client.waitForDone(second);
  const history = await getJson<Record<string, { status: { status_str: string } }>>(`${app.url}/history/${second}`);
  assert.equal(history[second]?.status.status_str, 'success', 'the drained prompt finished');
  await eventually(async () => !(await backends(app)).some((b) => b.name === 'd'), 10_000, 'd removed');
  assert.equal((await send('GET', `${app.url}/automa/backends/d`)).status, 404);
  assert.equal((await send('GET', `${app.url}/automa/backends/d/comfyui/system_stats`)).status, 404);

  // An idle backend goes at once.
  assert.equal((await send('DELETE', `${app.url}/automa/backends/a`)).status, 204);
  assert.deepEqual(await backends(app), []);
});

test('runtime pool changes survive a gateway restart on the same data dir', async (t) => {
  const fakes = await startFakes(t, { a: THREE.a, b: THREE.b, d: THREE.c });
  const data = makeTempDir();
  t.after(() => data.remove());
  const argv = ['--comfyui', `a=${fakes.a.url}`, '--comfyui', `b=${fakes.b.url}`];

  const first = await startGateway(t, argv, { dataDir: data.dir, waitFor: ['a', 'b'] });
  assert.equal((await send('POST', `${first.url}/automa/backends`, { name: 'd', url: fakes.d.url })).status, 201);
  assert.equal((await send('PATCH', `${first.url}/automa/backends/b`, { draining: true })).status, 200);
  assert.equal((await send('DELETE', `${first.url}/automa/backends/a`)).status, 204);
  await first.close();

  const second = await startGateway(t, argv, { dataDir: data.dir, waitFor: ['d'] });
  const views = await backends(second);
  assert.deepEqual(
    views.map((v) => [v.name, v.url, v.state === 'draining' ? 'draining' : 'live']),
    [
      ['b', fakes.b.url, 'draining'],
      ['d', fakes.d.url, 'live'],
    ],
  );
  // Only d takes work: a is gone and b is draining.
  const client = await ComfyTestClient.connect(second.wsUrl, 'restart');
  t.after(() => client.close());
  const ids = [await submit(second, 1, 'restart'), await submit(second, 2, 'restart'), await submit(second, 3, 'restart')];
  for (const id of ids) {
    await client.waitForDone(id);
    assert.equal(ranOn(fakes, id), 'd');
  }
  // Undraining is remembered too.
  assert.equal((await send('PATCH', `${second.url}/automa/backends/b`, { draining: false })).status, 200);
  await second.close();
  const third = await startGateway(t, argv, { dataDir: data.dir, waitFor: ['b', 'd'] });
  assert.deepEqual((await backends(third)).map((v) => v.name), ['b', 'd']);
});

test('backend management refuses bad input with the error shape and changes nothing', async (t) => {
  const fakes = await startFakes(t, { a: THREE.a });
  const app = await startGateway(t, ['--comfyui', `a=${fakes.a.url}`], { waitFor: ['a'] });
  const before = await backends(app);

  const cases: [string, string, unknown, number][] = [
    ['POST', '/automa/backends', { name: 'x', url: 'not a url' }, 400],
    ['POST', '/automa/backends', { name: 'x', url: 'ftp://127.0.0.1:1' }, 400],
    ['POST', '/automa/backends', { name: 'bad name!', url: 'http://127.0.0.1:1' }, 400],
    ['POST', '/automa/backends', { name: 'a', url: 'http://127.0.0.1:1' }, 409],
    ['POST', '/automa/backends', { url: 42 }, 400],
    ['POST', '/automa/backends', [], 400],
    ['PATCH', '/automa/backends/a', { draining: 'yes' }, 400],
    ['PATCH', '/automa/backends/nope', { draining: true }, 404],
    ['DELETE', '/automa/backends/nope', undefined, 404],
  ];
  for (const [method, path, body, status] of cases) {
    const response = await send(method, `${app.url}${path}`, body);
    assert.equal(response.status, status, `${method} ${path} ${JSON.stringify(body)}`);
    const error = (response.body as { error?: { type?: unknown; message?: unknown } }).error;
    assert.equal(typeof error?.type, 'string');
    assert.equal(typeof error?.message, 'string');
  }
  const after = await backends(app);
  assert.deepEqual(
    after.map((b) => [b.name, b.url, b.state]),
    before.map((b) => [b.name, b.url, b.state]),
  );
});

test('/automa/backends/:name/comfyui/* reaches that backend over HTTP and WebSocket, a runtime-added one too', async (t) => {
  const fakes = await startFakes(t, { a: THREE.a, d: THREE.c });
  const app = await startGateway(t, ['--comfyui', `a=${fakes.a.url}`], { waitFor: ['a'] });
  assert.equal((await send('POST', `${app.url}/automa/backends`, { name: 'd', url: fakes.d.url })).status, 201);
  await waitForState(app, ['d'], 'up');

  for (const [name, fake] of Object.entries(fakes)) {
    const models = await send('GET', `${app.url}/automa/backends/${name}/comfyui/models/checkpoints`);
    assert.equal(models.status, 200);
    assert.deepEqual(models.body, name === 'a' ? THREE.a.models?.['checkpoints'] : THREE.c.models?.['checkpoints']);
    const info = await send('GET', `${app.url}/automa/backends/${name}/comfyui/object_info/ImageBlur`);
    assert.deepEqual(Object.keys(info.body as object), name === 'd' ? ['ImageBlur'] : []);
    // A prompt sent there bypasses our queue and lands on that backend only.
    const direct = await send('POST', `${app.url}/automa/backends/${name}/comfyui/prompt`, { prompt: imageGraph(50) });
    assert.equal(direct.status, 200);
    assert.deepEqual(acceptedBy(fake), [(direct.body as { prompt_id: string }).prompt_id]);

    const ws = await ComfyTestClient.connect(`${app.wsUrl}/automa/backends/${name}/comfyui`, `direct-${name}`);
    assert.equal(ws.frames[0]?.type, 'status');
    await eventually(() => fake.control.connectedClients().includes(`direct-${name}`), 5_000, 'client on that backend');
    ws.close();
  }
});

test('a configured backend removed and added again at another URL keeps the new URL across restarts', async (t) => {
  const fakes = await startFakes(t, { a: THREE.a, other: THREE.c });
  const data = makeTempDir();
  t.after(() => data.remove());
  const argv = ['--comfyui', `a=${fakes.a.url}`];
  const first = await startGateway(t, argv, { dataDir: data.dir, waitFor: ['a'] });
  assert.equal((await send('DELETE', `${first.url}/automa/backends/a`)).status, 204);
  assert.equal((await send('POST', `${first.url}/automa/backends`, { name: 'a', url: fakes.other.url })).status, 201);
  await first.close();

  const second = await startGateway(t, argv, { dataDir: data.dir, waitFor: ['a'] });
  assert.deepEqual((await backends(second)).map((b) => [b.name, b.url]), [['a', fakes.other.url]]);
  const client = await ComfyTestClient.connect(second.wsUrl, 'moved');
  t.after(() => client.close());
  const id = await submit(second, 1, 'moved');
  await client.waitForDone(id);
  assert.equal(ranOn({ a: fakes.a, other: fakes.other }, id), 'other');
});

test('a backend removed while busy stays removed across a restart; the prompt it held still completes once', async (t) => {
  const fakes = await startFakes(t, { a: THREE.a, b: THREE.b });
  const data = makeTempDir();
  t.after(() => data.remove());
  const argv = ['--comfyui', `a=${fakes.a.url}`, '--comfyui', `b=${fakes.b.url}`];
  const first = await startGateway(t, argv, { dataDir: data.dir, waitFor: ['a', 'b'] });
  assert.equal((await send('PATCH', `${first.url}/automa/backends/a`, { draining: true })).status, 200);
  const stall = fakes.b.control.stall();
  const id = await submit(first, 1, 'leaving');
  await stall.reached;
  assert.equal((await send('DELETE', `${first.url}/automa/backends/b`)).status, 202);
  await first.close();
  stall.release();
  await fakes.b.control.crash();

  const second = await startGateway(t, argv, { dataDir: data.dir });
  assert.equal((await send('PATCH', `${second.url}/automa/backends/a`, { draining: false })).status, 200);
  assert.deepEqual((await backends(second)).map((b) => b.name), ['a']);
  await eventually(async () => Object.keys(await getJson(`${second.url}/history/${id}`)).length === 1, 10_000, 'completed');
  const history = await getJson<Record<string, { status: { status_str: string } }>>(`${second.url}/history`);
  assert.deepEqual(Object.keys(history), [id]);
  assert.equal(history[id]?.status.status_str, 'success');
  assert.equal(ranOn(fakes, id), 'a');
});
