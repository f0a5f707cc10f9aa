/**
 * The fake ComfyUI against real ComfyUI: every recording in ../shared/comfyui-recordings (0.8.0)
 * and its 0.33.0/ folder is replayed on a fresh fake of that version over real sockets and must
 * give the same status codes, the same JSON shapes and the same WebSocket frame sequences. A new
 * recording without a test fails here.
 */
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import test from 'node:test';
import { parseJson } from '../src/upstream/protocol/index.js';
import { FAKE_COMFY_VERSIONS } from './fake-comfy/options.js';
import { request } from './fake-comfy/replay/http-client.js';
import { loadHttpScenario, loadWsScenario, recordingFiles } from './fake-comfy/replay/recording.js';
import { replayHttp } from './fake-comfy/replay/run-http.js';
import { replayWs, type WsHooks } from './fake-comfy/replay/run-ws.js';
import { exactWhenDeterministic, plansFor } from './fake-comfy/replay/scenarios.js';
import { loadRecordedObjectInfo, recordingsDirFor } from './fake-comfy/recordings.js';
import { startFakeComfy } from './fake-comfy/server.js';

/** The bytes ComfyUI sent for GET /object_info (content-length of object_info_full.json). */
const OBJECT_INFO_BYTES: Readonly<Record<string, number>> = { '0.8.0': 391447, '0.33.0': 715669 };

for (const version of FAKE_COMFY_VERSIONS) {
  const dir = recordingsDirFor(version);
  const files = recordingFiles(dir);
  const plans = plansFor(version);

  test(`${version}: the recordings are there`, () => {
    assert.ok(files.length >= 20, `found only ${files.length} recording files in ${dir}`);
  });

  test(`${version}: object_info_full.json: GET /object_info is the recorded body, big ints included`, async (t) => {
    const fake = await startFakeComfy({ comfyuiVersion: version });
    t.after(() => fake.close());
    const answer = await request('GET', '/object_info', {}, undefined, fake.port);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'application/json; charset=utf-8');
    const served = parseJson(answer.body.toString('utf8'), { keepFloats: true });
    assert.ok(isDeepStrictEqual(served, loadRecordedObjectInfo(dir)), 'served /object_info differs from the recording');
    // Written as Python writes it: same bytes as ComfyUI's reply, big seeds and "1.0" floats included.
    assert.equal(answer.body.length, OBJECT_INFO_BYTES[version]);
    assert.match(answer.body.toString('utf8'), /"max": 18446744073709551615/);
  });

  for (const file of files.filter((f) => f !== 'object_info_full.json')) {
    const plan = plans[file];
    test(`${version}: recording ${file}`, { skip: plan?.skip ?? false }, async (t) => {
      const fake = await startFakeComfy({ comfyuiVersion: version });
      t.after(() => fake.close());
      const ctx = { fake, subs: { ids: new Map<string, string>(), port: fake.port } };
      if (file.endsWith('.jsonl')) {
        const scenario = loadWsScenario(file, dir);
        const hooks: WsHooks = (await plan?.setup?.(fake, scenario)) ?? {};
        const diffs = await replayWs(scenario, ctx, hooks);
        assert.deepEqual(diffs, [], `${file}: ${scenario.header.description}\n${diffs.join('\n')}`);
      } else {
        const scenario = loadHttpScenario(file, dir);
        const hooks: WsHooks = (await plan?.setup?.(fake, scenario)) ?? {};
        const exchanges = scenario.exchanges.filter((_e, i) => !plan?.notReplayed?.has(i));
        const diffs = await replayHttp(exchanges, ctx, { exact: exactWhenDeterministic, ...hooks });
        assert.deepEqual(diffs, [], `${file}: ${scenario.description}\n${diffs.join('\n')}`);
      }
    });
  }
}
