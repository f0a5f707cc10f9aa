/**
 * A ComfyUI client pointed at http://<us>/comfyui behaves as if talking to ComfyUI directly:
 * the same prompt on two identical fake ComfyUIs, one direct and one through the proxy, yields
 * the same WebSocket frames (text and binary) and the same history.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { ComfyTestClient, getJson, postJson, simpleGraph, type Frame } from '../helpers/comfy-client.js';
import { startFakeComfy } from '../fake-comfy/server.js';

/** Every test waits on events, never on sleeps; a regression fails here instead of hanging the run. */
const LIMIT = { timeout: 60_000 };

interface Run {
  readonly frames: Frame[];
  readonly binary: Buffer[];
  readonly history: unknown;
}

async function runPrompt(httpBase: string, wsBase: string, clientId: string): Promise<Run> {
  const client = await ComfyTestClient.connect(wsBase, clientId, { supports_preview_metadata: true });
  try {
    await client.waitFor(() => client.frames.some((f) => f.type === 'feature_flags'));
    const submitted = await postJson(`${httpBase}/prompt`, { prompt: simpleGraph(5, 'proxy'), client_id: clientId });
    assert.equal(submitted.status, 200);
    const promptId = (submitted.body as { prompt_id: string }).prompt_id;
    await client.waitForDone(promptId);
    const history = await getJson(`${httpBase}/history/${promptId}`);
    // Ids, clocks and PreviewImage's random temp names differ between two runs by nature; all else must match.
    const normalize = (text: string): string =>
      text.replaceAll(promptId, '<prompt>').replaceAll(clientId, '<client>').replace(/"timestamp":\d+/g, '"timestamp":0').replace(/"(create|execution_start|execution_end)_time":\d+/g, '"$1_time":0')
        .replace(/ComfyUI_temp_[a-z]{5}_/g, 'ComfyUI_temp_<random>_');
    return {
      frames: client.frames.map((f) => JSON.parse(normalize(JSON.stringify(f))) as Frame),
      binary: client.binary.map((b) => Buffer.from(normalize(b.toString('latin1')), 'latin1')),
      history: JSON.parse(normalize(JSON.stringify(history))) as unknown,
    };
  } finally {
    client.close();
  }
}

test('a prompt run through /comfyui/prompt + /comfyui/ws yields the same frames and history as direct', LIMIT, async (t) => {
  const options = { previewMethod: 'auto' as const };
  const direct = await startFakeComfy(options);
  t.after(() => direct.close());
  const behind = await startFakeComfy(options);
  t.after(() => behind.close());
  for (const fake of [direct, behind]) fake.control.setProgressSteps(3);
  const app = await startTestApp(['--comfyui', behind.url]);
  t.after(() => app.close());

  const expected = await runPrompt(direct.url, direct.url.replace(/^http/, 'ws'), 'direct-client-1');
  const actual = await runPrompt(`${app.url}/comfyui`, `${app.wsUrl}/comfyui`, 'proxied-client');

  assert.ok(expected.frames.some((f) => f.type === 'executed'), 'the run produced outputs');
  assert.ok(expected.binary.length > 0, 'the run produced binary preview frames');
  assert.deepEqual(actual.frames, expected.frames);
  assert.deepEqual(actual.binary, expected.binary);
  assert.deepEqual(actual.history, expected.history);
});
