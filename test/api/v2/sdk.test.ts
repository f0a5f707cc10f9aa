/**
 * The official Comfy API v2 SDK (@comfyorg/sdk) against the gateway, unchanged but for its base
 * URL (COMFY_BASE_URL, read when a client is constructed): assets, submit, live events,
 * outputs — and a job that survives a restart of the gateway in the middle of its run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Comfy, IdempotencyKeyReuse, NotFound, Unauthorized, type ComfyEvent } from '@comfyorg/sdk';
import sharp from 'sharp';
import { makeTempDir, startTestApp } from '../../helpers/app.js';
import { eventually, getJson } from '../../helpers/comfy-client.js';
import { startStack } from '../../helpers/stack.js';
import { startFakeComfy } from '../../fake-comfy/server.js';
import { closedPort, startService, stopService } from '../../main/service.js';
import { call } from './contract.js';

function clientFor(url: string): Comfy {
  process.env.COMFY_BASE_URL = url;
  return new Comfy();
}

const photo = () => sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 250, g: 20, b: 30 } } }).png().toBuffer();

/** LoadImage (an asset) → ImageInvert → SaveImage. */
function invertWorkflow(client: Comfy, image: unknown, prefix: string) {
  const workflow = client.workflows.fromJson({
    '1': { class_type: 'LoadImage', inputs: {} },
    '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
    '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: prefix } },
  });
  workflow.setInput('1', 'image', image);
  return workflow;
}

test('@comfyorg/sdk end to end: upload an input, submit, stream events, download outputs (whole and a range)', async (t) => {
  const { app, fake } = await startStack(t);
  const client = clientFor(app.url);
  const bytes = await photo();
  const asset = client.assets.fromBytes(bytes, { filename: 'photo.png', contentType: 'image/png' });
  const job = await client.submit(invertWorkflow(client, asset, 'sdk'));
  assert.equal(asset.createdNew, true, 'uploaded: the gateway did not have these bytes');

  const events: ComfyEvent[] = [];
  for await (const event of job.events()) events.push(event);
  const last = events.at(-1);
  assert.equal(last?.kind, 'statusChange');
  assert.equal(last.kind === 'statusChange' && last.status, 'succeeded');
  assert.ok(events.some((e) => e.kind === 'outputReady' && e.output.nodeId === '3'), 'the output arrived as an event');
  assert.ok(events.some((e) => e.kind === 'progress'));

  await job.result();
  const [output] = job.getOutputs('3');
  assert.ok(output);
  const downloaded = await output.toBytes();
  assert.equal(downloaded.length, output.sizeBytes);
  const pixel = await sharp(downloaded).raw().toBuffer();
  assert.deepEqual([...pixel.subarray(0, 3)], [5, 235, 225], 'the inverted photo');
  assert.deepEqual([...(await output.toBytes({ range: [1, 3] }))], [...Buffer.from('PNG')]);
  assert.equal((await job.getWorkflow()).format, 'api');
  assert.equal(fake.control.received.uploads.length, 1, 'the input went to the backend once');

  // The same bytes again: the SDK's HEAD by-hash + from-hash path, nothing uploaded.
  const again = client.assets.fromBytes(bytes, { filename: 'again.png', contentType: 'image/png' });
  const id = await again.commit();
  assert.notEqual(id, asset.id);
  assert.equal(again.createdNew, false);

  const key = 'sdk-key';
  await client.submit(invertWorkflow(client, asset, 'sdk_k1'), { idempotencyKey: key });
  await assert.rejects(client.submit(invertWorkflow(client, asset, 'sdk_k2'), { idempotencyKey: key }), IdempotencyKeyReuse);
});

test('@comfyorg/sdk across a gateway restart mid-job: the same Job handle streams to the end and downloads its output', async (t) => {
  const fake = await startFakeComfy();
  t.after(() => fake.close());
  const data = makeTempDir();
  t.after(() => data.remove());
  // The same port after the restart: the SDK's base URL does not change.
  const args = ['--data-dir', data.dir, '--comfyui', fake.url, '--port', String(await closedPort())];
  const backendUp = (url: string) => async () =>
    (await getJson<{ backends: { state: string }[] }>(`${url}/automa/backends`)).backends.every((b) => b.state === 'up');

  const first = await startService(args);
  t.after(() => stopService(first));
  await eventually(backendUp(first.url), 10_000, 'backend up');
  const client = clientFor(first.url);
  const stall = fake.control.stall({ classType: 'ImageInvert' });
  const job = await client.submit(invertWorkflow(client, client.assets.fromBytes(await photo(), { filename: 'photo.png' }), 'restart'));

  const stream = job.events()[Symbol.asyncIterator]();
  for (;;) {
    const { value } = await stream.next();
    if (value?.kind === 'statusChange' && value.status === 'running') break;
  }
  await stall.reached;
  const drained = (async () => {
    while (!(await stream.next()).done);
  })();
  await stopService(first, 'SIGKILL');
  // While nothing listens on the port the SDK's stream fails (its poll backstop cannot connect).
  await assert.rejects(drained);

  const second = await startService(args);
  t.after(() => stopService(second));
  assert.equal(second.url, first.url);
  await eventually(backendUp(second.url), 10_000, 'backend up again');
  fake.control.releaseStalls();

  const statuses: string[] = [];
  for await (const event of job.events()) if (event.kind === 'statusChange') statuses.push(event.status);
  assert.equal(statuses.at(-1), 'succeeded');
  await job.result();
  const [output] = job.getOutputs('3');
  assert.ok(output);
  const downloaded = await output.toBytes();
  assert.equal(downloaded.length, output.sizeBytes);
  const rehydrated = await client.jobs.get(job.id);
  assert.equal(rehydrated.status, 'succeeded');
  assert.equal(fake.control.received.prompts.filter((p) => p.promptId === job.id && p.status === 200).length, 1, 'ran once');
});

test('with --api-key the SDK authenticates with apiKey; without a key it gets Unauthorized in the v2 envelope', async (t) => {
  const key = 'v2-test-key-0123456789';
  const app = await startTestApp(['--api-key', key]);
  t.after(() => app.close());
  process.env.COMFY_BASE_URL = app.url;
  await assert.rejects(new Comfy().jobs.get('00000000-0000-4000-8000-000000000000'), Unauthorized);
  await assert.rejects(new Comfy({ apiKey: key }).jobs.get('00000000-0000-4000-8000-000000000000'), NotFound);
  const refused = await call<{ error: { code: string } }>(app.url, 'GET', '/api/v2/jobs/{id}', '/api/v2/jobs/x');
  assert.equal(refused.status, 401);
  assert.equal(refused.body.error.code, 'unauthorized');
});
