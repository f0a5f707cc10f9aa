import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { ComfyTestClient, eventually, getJson, postJson, simpleGraph } from '../helpers/comfy-client.js';
import { startFakeComfy } from '../fake-comfy/server.js';

const metric = (text: string, name: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
};

test('/metrics counts the queue and finished prompts by outcome', async (t) => {
  const fake = await startFakeComfy();
  t.after(() => fake.close());
  const app = await startTestApp(['--comfyui', fake.url]);
  t.after(() => app.close());
  await eventually(async () => (await getJson<{ backends: { state: string }[] }>(`${app.url}/automa/backends`)).backends[0]?.state === 'up');
  const client = await ComfyTestClient.connect(app.wsUrl, 'metrics');
  t.after(() => client.close());

  const stall = fake.control.stall({ classType: 'ImageInvert' });
  const first = (await postJson(`${app.url}/prompt`, { prompt: simpleGraph(1), client_id: 'metrics' })).body as { prompt_id: string };
  const second = (await postJson(`${app.url}/prompt`, { prompt: simpleGraph(2), client_id: 'metrics' })).body as { prompt_id: string };
  await stall.reached;
  const during = await (await fetch(`${app.url}/metrics`)).text();
  assert.equal(metric(during, 'automa_queue_running'), 1);
  assert.equal(metric(during, 'automa_queue_pending'), 1);

  fake.control.failNode('SaveImage', { once: true });
  stall.release();
  await client.waitForDone(first.prompt_id);
  await client.waitForDone(second.prompt_id);
  const after = await (await fetch(`${app.url}/metrics`)).text();
  assert.equal(metric(after, 'automa_queue_running'), 0);
  assert.equal(metric(after, 'automa_queue_pending'), 0);
  assert.equal(metric(after, 'automa_prompts_finished_total{outcome="error"}'), 1);
  assert.equal(metric(after, 'automa_prompts_finished_total{outcome="success"}'), 1);
});
