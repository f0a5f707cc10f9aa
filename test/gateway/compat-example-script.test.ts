/**
 * ComfyUI's own example scripts (script_examples/websockets_api_example.py and
 * basic_api_example.py) as they behave on the wire: urllib posts the JSON prompt with its default
 * Content-Type, application/x-www-form-urlencoded; `requests.post(data=...)` sends none at all.
 * ComfyUI reads the body as JSON whatever the label, so the gateway must too.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test, type TestContext } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { waitForBackendsUp } from '../helpers/stack.js';
import { ComfyTestClient, eventually, getJson } from '../helpers/comfy-client.js';
import { startFakeComfy } from '../fake-comfy/server.js';

async function startStack(t: TestContext): Promise<TestApp> {
  const fake = await startFakeComfy();
  t.after(() => fake.close());
  const app = await startTestApp(['--comfyui', fake.url]);
  t.after(() => app.close());
  await waitForBackendsUp(app.url);
  return app;
}

/** A raw POST with exactly the headers given (fetch would add a Content-Type of its own). */
function rawPost(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers: { 'content-length': String(Buffer.byteLength(body)), ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

const prompt = (color: number) => ({
  '3': { class_type: 'EmptyImage', inputs: { width: 16, height: 16, batch_size: 1, color } },
  '9': { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'ComfyUI' } },
});

test('websockets_api_example.py: queue with urllib’s form Content-Type, wait for executing null, read history, download images', async (t) => {
  const app = await startStack(t);
  const clientId = 'b8d5ae58-7d2f-4c7e-9b8e-2f0f4c1a9d11';
  const ws = await ComfyTestClient.connect(app.wsUrl, clientId);
  t.after(() => ws.close());

  // queue_prompt(): urllib.request.Request(url, data=json.dumps(p).encode('utf-8'))
  const queued = await rawPost(`${app.url}/prompt`, JSON.stringify({ prompt: prompt(0x33aa33), client_id: clientId }), {
    'content-type': 'application/x-www-form-urlencoded',
    'user-agent': 'Python-urllib/3.11',
  });
  assert.equal(queued.status, 200, queued.body);
  const promptId = (JSON.parse(queued.body) as { prompt_id: string }).prompt_id;

  // get_images(): read frames until executing {node: null, prompt_id}.
  await ws.waitForDone(promptId);
  const history = await getJson<Record<string, { outputs: Record<string, { images?: { filename: string; subfolder: string; type: string }[] }> }>>(
    `${app.url}/history/${promptId}`,
  );
  const images = Object.values(history[promptId]?.outputs ?? {}).flatMap((output) => output.images ?? []);
  assert.equal(images.length, 1);
  for (const image of images) {
    // get_image(): urllib.parse.urlencode({"filename", "subfolder", "type"})
    const view = await fetch(`${app.url}/view?${new URLSearchParams({ filename: image.filename, subfolder: image.subfolder, type: image.type })}`);
    assert.equal(view.status, 200);
    assert.equal(Buffer.from(await view.arrayBuffer()).subarray(1, 4).toString('latin1'), 'PNG');
  }
});

test('a JSON body with no Content-Type, or text/plain, is read as JSON on every ComfyUI POST route', async (t) => {
  const app = await startStack(t);
  const labels: Record<string, string>[] = [{}, { 'content-type': 'text/plain;charset=UTF-8' }];
  for (const headers of labels) {
    const queued = await rawPost(`${app.url}/prompt`, JSON.stringify({ prompt: prompt(1), front: true }), headers);
    assert.equal(queued.status, 200, queued.body);
    const id = (JSON.parse(queued.body) as { prompt_id: string }).prompt_id;
    await eventually(async () => Object.keys(await getJson<object>(`${app.url}/history/${id}`)).length === 1, 10_000, 'ran');
    assert.deepEqual(await rawPost(`${app.url}/history`, JSON.stringify({ delete: [id] }), headers), { status: 200, body: '' });
    assert.deepEqual(await getJson(`${app.url}/history/${id}`), {});
    assert.deepEqual(await rawPost(`${app.url}/queue`, JSON.stringify({ clear: true }), headers), { status: 200, body: '' });
    assert.deepEqual(await rawPost(`${app.url}/interrupt`, JSON.stringify({ prompt_id: id }), headers), { status: 200, body: '' });
  }
  // Still JSON: a body that is not JSON is refused in our error shape, whatever its label.
  const bad = await rawPost(`${app.url}/prompt`, 'prompt=1', { 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal(bad.status, 400);
  assert.equal((JSON.parse(bad.body) as { error: { type: string } }).error.type, 'invalid_json');
});
