/**
 * Python's ints are unbounded and ComfyUI's seeds go up to 2^64-1: a seed a script sends must
 * reach the backend, /queue, /api/jobs and /history as sent, not rounded to a double.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJson } from '../../src/upstream/protocol/index.js';
import { makeTempDir, startTestApp } from '../helpers/app.js';
import { ComfyTestClient } from '../helpers/comfy-client.js';
import { startStack } from '../helpers/stack.js';

const SEED = '18446744073709551615'; // 2^64-1, RandomNoise's max
const PROMPT_ID = '6f1c2a9e-3d4b-4c5a-9e8f-0a1b2c3d4e5f';

/** The body as a Python script would send it: the seed as a bare integer literal. */
const body = (clientId: string) =>
  `{"prompt": {"1": {"class_type": "RandomNoise", "inputs": {"noise_seed": ${SEED}}}, ` +
  `"2": {"class_type": "PreviewAny", "inputs": {"source": ["1", 0]}}}, "client_id": "${clientId}", "prompt_id": "${PROMPT_ID}"}`;

async function post(url: string, text: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
  return { status: response.status, text: await response.text() };
}

const text = async (url: string): Promise<string> => (await fetch(url)).text();

test('a seed past 2^53 stays exact in /queue and /api/jobs/{id}, also after a restart', async (t) => {
  const data = makeTempDir();
  t.after(() => data.remove());
  let app = await startTestApp([], { dataDir: data.dir }); // no backend reachable: it stays queued
  t.after(() => app.close());
  const accepted = await post(`${app.url}/prompt`, body('exact'));
  assert.equal(accepted.status, 200, accepted.text);

  for (let round = 0; round < 2; round++) {
    assert.match(await text(`${app.url}/queue`), new RegExp(`"noise_seed":${SEED}[,}]`));
    assert.match(await text(`${app.url}/api/jobs/${PROMPT_ID}`), new RegExp(`"noise_seed":${SEED}[,}]`));
    await app.close();
    app = await startTestApp([], { dataDir: data.dir });
  }
});

test('a seed past 2^53 reaches the backend and history exactly as sent', async (t) => {
  const { fake, app } = await startStack(t);
  const client = await ComfyTestClient.connect(app.wsUrl, 'exact');
  t.after(() => client.close());
  const accepted = await post(`${app.url}/prompt`, body('exact'));
  assert.equal(accepted.status, 200, accepted.text);
  await client.waitForDone(PROMPT_ID);

  // The fake reads JSON as Python does, so a rounded seed would show here as a different integer.
  const received = fake.control.received.prompts.find((p) => p.promptId === PROMPT_ID)?.body as { prompt: Record<string, { inputs: Record<string, unknown> }> };
  assert.equal(received.prompt['1']?.inputs['noise_seed'], BigInt(SEED));
  assert.match(await text(`${app.url}/history/${PROMPT_ID}`), new RegExp(`"noise_seed":${SEED}[,}]`));
  assert.match(await text(`${app.url}/history`), new RegExp(`"noise_seed":${SEED}[,}]`));
});

test('a seed past 2^64-1 gets the 400 ComfyUI gives, numbers exact (the fake, run directly, is the reference)', async (t) => {
  const { fake, app } = await startStack(t);
  const tooBig = body('exact').replace(SEED, '18446744073709551616');
  const ours = await post(`${app.url}/prompt`, tooBig);
  const theirs = await post(`${fake.url}/prompt`, tooBig);
  assert.equal(ours.status, 400);
  assert.equal(theirs.status, 400);
  assert.deepEqual(parseJson(ours.text), parseJson(theirs.text));
  assert.match(ours.text, /"received_value":18446744073709551616[,}]/);
});

/**
 * Strings that an in-band marker scheme would have rewritten (the writer once turned bigints into
 * "\u0000bigint:<digits>" strings and rewrote every such string afterwards, users' own included).
 */
const ADVERSARIAL = {
  marker: '\u0000bigint:7',
  parser_marker: '\u0000big:18446744073709551615',
  float_marker: '\u0000float:1.5',
  escaped_marker: '\\u0000bigint:7',
  quoted_marker: '"\u0000bigint:7"',
  nul: 'a\u0000b',
  looks_like_big_integer: '18446744073709551615',
  looks_like_json: '{"seed": 18446744073709551615}',
};

test('strings that look like markers or big integers travel unchanged beside real big integers', async (t) => {
  const { fake, app } = await startStack(t);
  const client = await ComfyTestClient.connect(app.wsUrl, 'adversarial');
  t.after(() => client.close());
  const id = 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d';
  const strings = JSON.stringify(ADVERSARIAL);
  const text =
    `{"prompt": {"1": {"class_type": "RandomNoise", "inputs": {"noise_seed": ${SEED}}}, ` +
    `"2": {"class_type": "PreviewAny", "inputs": {"source": ["1", 0]}}}, "client_id": "adversarial", "prompt_id": "${id}", ` +
    `"extra_data": {"seed": ${SEED}, "strings": ${strings}, "list": [${SEED}, "\\u0000bigint:8", -${SEED}]}}`;

  const accepted = await post(`${app.url}/prompt`, text);
  assert.equal(accepted.status, 200, accepted.text);
  const readBack = (json: string): unknown => parseJson(json);
  const extraOf = (value: unknown): Record<string, unknown> | undefined => {
    // Walk to the first object holding our "strings" key, wherever the route puts extra_data.
    const stack: unknown[] = [value];
    while (stack.length > 0) {
      const next = stack.pop();
      if (next === null || typeof next !== 'object') continue;
      if (Object.hasOwn(next, 'strings') && Object.hasOwn(next, 'seed')) return next as Record<string, unknown>;
      stack.push(...Object.values(next));
    }
    return undefined;
  };
  const expectExact = (where: string, extra: Record<string, unknown> | undefined) => {
    assert.ok(extra, `${where} shows extra_data`);
    assert.deepEqual(extra['strings'], ADVERSARIAL, `${where}: strings unchanged`);
    assert.equal(extra['seed'], BigInt(SEED), `${where}: seed exact`);
    assert.deepEqual(extra['list'], [BigInt(SEED), '\u0000bigint:8', -BigInt(SEED)], `${where}: list exact`);
  };
  await client.waitForDone(id);
  const received = fake.control.received.prompts.find((p) => p.promptId === id)?.body as { extra_data?: unknown };
  expectExact('the backend', extraOf(received));
  expectExact('/history/{id}', extraOf(readBack(await (await fetch(`${app.url}/history/${id}`)).text())));
  expectExact('/history', extraOf(readBack(await (await fetch(`${app.url}/history`)).text())));
  expectExact('/api/jobs/{id}', extraOf(readBack(await (await fetch(`${app.url}/api/jobs/${id}`)).text())));
});

test('strings that look like markers survive /queue while the prompt waits', async (t) => {
  const app = await startTestApp(); // no backend reachable: it stays queued
  t.after(() => app.close());
  const id = 'b0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d';
  const text =
    `{"prompt": {"1": {"class_type": "RandomNoise", "inputs": {"noise_seed": ${SEED}}}, ` +
    `"2": {"class_type": "PreviewAny", "inputs": {"source": ["1", 0]}}}, "prompt_id": "${id}", ` +
    `"extra_data": {"seed": ${SEED}, "strings": ${JSON.stringify(ADVERSARIAL)}}}`;
  const accepted = await post(`${app.url}/prompt`, text);
  assert.equal(accepted.status, 200, accepted.text);
  const queue = await (await fetch(`${app.url}/queue`)).text();
  assert.ok(queue.includes(JSON.stringify(ADVERSARIAL)), queue);
  assert.match(queue, new RegExp(`"seed":${SEED}[,}]`));
  const job = parseJson(await (await fetch(`${app.url}/api/jobs/${id}`)).text());
  assert.ok(JSON.stringify(job, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)).includes(JSON.stringify(ADVERSARIAL).slice(1, -1)));
});
