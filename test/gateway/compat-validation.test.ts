/**
 * POST /prompt validation at the gateway, replayed from the recorded post_prompt_errors.json:
 * once the backend's /object_info is known, every recorded rejection comes back field for field
 * (error, node_errors, dependent_outputs, class_type), synchronously, without the prompt ever
 * being queued; a partially valid prompt is a 200 with node_errors and runs what is valid.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startStack } from '../helpers/stack.js';
import { ComfyTestClient, getJson, postJson } from '../helpers/comfy-client.js';
import { recordingsDirFor } from '../fake-comfy/recordings.js';

interface Exchange {
  readonly note?: string;
  readonly path: string;
  readonly request: { readonly body: { readonly kind: string; readonly value: unknown } };
  readonly response: { readonly status: number; readonly body: unknown };
}

// The gateway answers as ComfyUI 0.33 does, so its bodies are checked against 0.33's recording
// (behind a 0.33 fake: the bodies quote the backend's input specs; mixed-pool.test.ts covers 0.8).
const RECORDING = path.join(recordingsDirFor('0.33.0'), 'post_prompt_errors.json');
const V033 = { comfyuiVersion: '0.33.0' } as const;
const exchanges = (JSON.parse(fs.readFileSync(RECORDING, 'utf8')) as { exchanges: Exchange[] }).exchanges;
const byNote = (note: string): Exchange => {
  const found = exchanges.find((e) => e.note === note);
  assert.ok(found, `recorded exchange "${note}"`);
  return found;
};

/** Recorded cases the gateway answers differently on purpose (see the tests below). */
const NOT_REPLAYED = new Set([
  'malformed JSON body', // ComfyUI: a bare 500; we: 400 invalid_json in our error shape
  'two failing outputs (one ok)', // a 200: its prompt_id and number are new each time
]);

test('every recorded 400 of POST /prompt comes back field for field, bare and under /api, and nothing is queued', async (t) => {
  const { fake, app } = await startStack(t, V033);
  const replayed = exchanges.filter((e) => !NOT_REPLAYED.has(e.note ?? ''));
  assert.ok(replayed.length >= 11, 'the recording’s cases');
  for (const exchange of replayed) {
    assert.equal(exchange.response.status, 400);
    for (const prefix of ['', '/api']) {
      const answer = await postJson(`${app.url}${prefix}/prompt`, exchange.request.body.value);
      assert.deepEqual(answer, { status: 400, body: exchange.response.body }, `${prefix}/prompt: ${exchange.note}`);
    }
  }
  assert.deepEqual(await getJson(`${app.url}/queue`), { queue_running: [], queue_pending: [] });
  assert.deepEqual(await getJson(`${app.url}/prompt`), { exec_info: { queue_remaining: 0 } });
  assert.deepEqual(fake.control.received.prompts, [], 'rejected prompts never reach the backend');
});

test('a rejected prompt sends no WebSocket frames to its client (ws_invalid_prompt)', async (t) => {
  const { app } = await startStack(t);
  const client = await ComfyTestClient.connect(app.wsUrl, 'rec-client-err');
  t.after(() => client.close());
  const rejected = await postJson(`${app.url}/prompt`, byNote('missing required input').request.body.value);
  assert.equal(rejected.status, 400);
  // A valid prompt afterwards: its frames arrive, and the rejected one left nothing before them.
  const { prompt_id: promptId } = (
    await postJson(`${app.url}/prompt`, {
      prompt: { '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } }, '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } } },
      client_id: 'rec-client-err',
    })
  ).body as { prompt_id: string };
  await client.waitForDone(promptId);
  assert.deepEqual(
    client.frames.filter((f) => f.type !== 'status' && f.type !== 'feature_flags' && f.data.prompt_id !== promptId),
    [],
  );
});

test('a partially valid prompt: 200 with the recorded node_errors; only its valid output runs', async (t) => {
  const { fake, app } = await startStack(t);
  const client = await ComfyTestClient.connect(app.wsUrl, 'rec-client-err');
  t.after(() => client.close());
  const recorded = byNote('two failing outputs (one ok)');
  const answer = await postJson(`${app.url}/prompt`, recorded.request.body.value);
  assert.equal(answer.status, 200);
  const body = answer.body as { prompt_id: string; number: number; node_errors: unknown };
  assert.deepEqual(Object.keys(body), Object.keys(recorded.response.body as object));
  assert.deepEqual(body.node_errors, (recorded.response.body as { node_errors: unknown }).node_errors);
  assert.match(body.prompt_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(typeof body.number, 'number');

  await client.waitForDone(body.prompt_id);
  const entry = (await getJson<Record<string, { prompt: unknown[]; outputs: Record<string, unknown>; status: { status_str: string } }>>(`${app.url}/history/${body.prompt_id}`))[body.prompt_id];
  assert.equal(entry?.status.status_str, 'success');
  assert.deepEqual(entry?.prompt[4], ['2'], 'outputs_to_execute: the valid output only');
  assert.deepEqual(Object.keys(entry?.outputs ?? {}), ['2']);
  assert.ok(fake.control.received.prompts.some((p) => p.promptId === body.prompt_id && p.status === 200), 'the backend accepted it too');
});

test('where the gateway answers differently on purpose: malformed JSON is a 400 in our shape', async (t) => {
  const { app } = await startStack(t);
  const malformed = await fetch(`${app.url}/prompt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
  assert.equal(malformed.status, 400);
  const error = ((await malformed.json()) as { error: { type: string; message: string } }).error;
  assert.equal(error.type, 'invalid_json');
});

test('an input file gone between submit and dispatch: the backend’s 400 reaches the client as an execution_error naming node and file', async (t) => {
  const { fake, app } = await startStack(t, {}, ['--prefetch', '0']);
  const client = await ComfyTestClient.connect(app.wsUrl, 'rec-client-err');
  t.after(() => client.close());
  const stall = fake.control.stall({ classType: 'EmptyImage' });
  const blocker = await postJson(`${app.url}/prompt`, {
    prompt: { '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } }, '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } } },
    client_id: 'rec-client-err',
  });
  assert.equal(blocker.status, 200);
  await stall.reached;

  const file = path.join(fake.dirs.input, 'here-then-gone.png');
  fs.writeFileSync(file, 'never read: it is gone before the prompt runs');
  const combo = byNote('invalid combo value').request.body.value as { prompt: Record<string, { inputs: Record<string, unknown> }> };
  const prompt = structuredClone(combo.prompt);
  (prompt['1'] as { inputs: Record<string, unknown> }).inputs['image'] = 'here-then-gone.png';
  const accepted = await postJson(`${app.url}/prompt`, { prompt, client_id: 'rec-client-err' });
  assert.equal(accepted.status, 200, 'the backend lists the file at submit');
  const { prompt_id: promptId } = accepted.body as { prompt_id: string };

  fs.rmSync(file);
  stall.release();
  await client.waitForDone(promptId);
  const failure = client.framesOf(promptId).find((f) => f.type === 'execution_error');
  assert.match(String(failure?.data.exception_message), /node 1 \(LoadImage\): .*Invalid image file: here-then-gone\.png/);
  const history = await getJson<Record<string, { status: { status_str: string } }>>(`${app.url}/history/${promptId}`);
  assert.equal(history[promptId]?.status.status_str, 'error');
});
