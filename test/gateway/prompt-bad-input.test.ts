/**
 * POST /prompt with hostile bodies: each is refused with ComfyUI's 400 shape, stores nothing,
 * logs no error, and leaves the queue's `number` where it was.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startFakeComfy } from '../fake-comfy/server.js';
import { getJson, postJson, simpleGraph } from '../helpers/comfy-client.js';
import { waitForBackendsUp } from '../helpers/stack.js';
import { startCustomApp } from '../security/helpers.js';

const LEVELS = 50_000;
const deepList = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);

async function start(t: TestContext) {
  const fake = await startFakeComfy();
  t.after(() => fake.close());
  const app = await startCustomApp(['--comfyui', fake.url], { captureLogs: true });
  t.after(() => app.close());
  await waitForBackendsUp(app.url);
  return { fake, app };
}

async function postText(url: string, text: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
  return { status: response.status, body: (await response.json()) as unknown };
}

test('a prompt nested 50,000 levels deep (in an input, in extra_data, at the top) is a 400, stores nothing and does not use up a number', async (t) => {
  const { fake, app } = await start(t);
  const first = await postJson(`${app.url}/prompt`, { prompt: simpleGraph(1), client_id: 'deep' });
  assert.equal(first.status, 200);
  const firstNumber = (first.body as { number: number }).number;

  const graph = JSON.stringify(simpleGraph(2));
  const bodies = {
    'in an input': `{"prompt":${graph.replace('"color":2', `"color":${deepList(LEVELS)}`)}}`,
    'in extra_data': `{"prompt":${graph},"extra_data":{"workflow":${deepList(LEVELS)}}}`,
    'beside the prompt': `{"prompt":${graph},"whatever":${deepList(LEVELS)}}`,
  };
  for (const [where, text] of Object.entries(bodies)) {
    for (const prefix of ['', '/api']) {
      const reply = await postText(`${app.url}${prefix}/prompt`, text);
      assert.equal(reply.status, 400, `${where}: ${JSON.stringify(reply.body).slice(0, 300)}`);
      const body = reply.body as { error: { type: string; message: string; details: string }; node_errors: unknown };
      assert.equal(body.error.type, 'prompt_too_deep', where);
      assert.match(body.error.message, /nests too deeply/, where);
      assert.match(body.error.details, /at most \d+ levels/, where);
      assert.deepEqual(body.node_errors, {}, where);
    }
  }

  const second = await postJson(`${app.url}/prompt`, { prompt: simpleGraph(3), client_id: 'deep' });
  assert.equal(second.status, 200);
  assert.equal((second.body as { number: number }).number, firstNumber + 1, 'the refused prompts used up no number');

  const ids = [(first.body as { prompt_id: string }).prompt_id, (second.body as { prompt_id: string }).prompt_id];
  const { jobs } = await getJson<{ jobs: { id: string }[] }>(`${app.url}/api/jobs?status=pending,in_progress,completed,failed,cancelled`);
  assert.deepEqual(jobs.map((j) => j.id).sort(), [...ids].sort(), 'only the two good prompts are stored');
  assert.ok(fake.control.received.prompts.every((p) => p.promptId !== undefined && ids.includes(p.promptId)), 'no refused prompt reached the backend');
  const errors = app.logs.filter((line) => typeof line.level === 'number' && line.level >= 50);
  assert.deepEqual(errors, [], 'nothing logged at error level');
});

test('a prompt_id already used is a 409 that stores nothing and does not use up a number', async (t) => {
  const { app } = await start(t);
  const id = '6f1c3c1e-8a53-4e3c-9d0e-2b1f0a9c7e11';
  const first = await postJson(`${app.url}/prompt`, { prompt: simpleGraph(1), prompt_id: id });
  assert.equal(first.status, 200);
  const again = await postJson(`${app.url}/prompt`, { prompt: simpleGraph(2), prompt_id: id });
  assert.equal(again.status, 409);
  assert.equal((again.body as { error: { details: string } }).error.details, id);
  const next = await postJson(`${app.url}/prompt`, { prompt: simpleGraph(3) });
  assert.equal((next.body as { number: number }).number, (first.body as { number: number }).number + 1);
});
