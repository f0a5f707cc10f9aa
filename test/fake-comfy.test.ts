/**
 * The fake ComfyUI against real ComfyUI: every recording in ../shared/comfyui-recordings is
 * replayed on a fresh fake over real sockets and must give the same status codes, the same JSON
 * shapes and the same WebSocket frame sequences. A new recording without a test fails here.
 */
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import test from 'node:test';
import { parseJson } from '../src/upstream/protocol/index.js';
import { request } from './fake-comfy/replay/http-client.js';
import { loadHttpScenario, loadWsScenario, recordingFiles } from './fake-comfy/replay/recording.js';
import { replayHttp } from './fake-comfy/replay/run-http.js';
import { replayWs, type WsHooks } from './fake-comfy/replay/run-ws.js';
import { exactWhenDeterministic, PLANS } from './fake-comfy/replay/scenarios.js';
import { loadRecordedObjectInfo } from './fake-comfy/recordings.js';
import { startFakeComfy } from './fake-comfy/server.js';

const files = recordingFiles();

test('the recordings are there', () => {
  assert.ok(files.length >= 20, `found only ${files.length} recording files`);
});

test('object_info_full.json: GET /object_info is the recorded body, big ints included', async (t) => {
  const fake = await startFakeComfy();
  t.after(() => fake.close());
  const answer = await request('GET', '/object_info', {}, undefined, fake.port);
  assert.equal(answer.status, 200);
  assert.equal(answer.headers['content-type'], 'application/json; charset=utf-8');
  const served = parseJson(answer.body.toString('utf8'), { keepFloats: true });
  assert.ok(isDeepStrictEqual(served, loadRecordedObjectInfo()), 'served /object_info differs from the recording');
  // Written as Python writes it: same bytes as ComfyUI's reply, big seeds and "1.0" floats included.
  assert.equal(answer.body.length, 391447);
  assert.match(answer.body.toString('utf8'), /"max": 18446744073709551615/);
});

for (const file of files.filter((f) => f !== 'object_info_full.json')) {
  test(`recording ${file}`, async (t) => {
    const fake = await startFakeComfy();
    t.after(() => fake.close());
    const ctx = { fake, subs: { ids: new Map<string, string>(), port: fake.port } };
    const plan = PLANS[file];
    if (file.endsWith('.jsonl')) {
      const scenario = loadWsScenario(file);
      const hooks: WsHooks = (await plan?.setup?.(fake, scenario)) ?? {};
      const diffs = await replayWs(scenario, ctx, hooks);
      assert.deepEqual(diffs, [], `${file}: ${scenario.header.description}\n${diffs.join('\n')}`);
    } else {
      const scenario = loadHttpScenario(file);
      const hooks: WsHooks = (await plan?.setup?.(fake, scenario)) ?? {};
      const diffs = await replayHttp(scenario.exchanges, ctx, { exact: exactWhenDeterministic, ...hooks });
      assert.deepEqual(diffs, [], `${file}: ${scenario.description}\n${diffs.join('\n')}`);
    }
  });
}
