/**
 * The official Comfy API v2 SDK (@comfyorg/sdk) against the gateway, unchanged but for its base
 * URL (COMFY_BASE_URL, read when a client is constructed): assets, submit, live events,
 * outputs (the restart case is in sdk-restart.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Comfy, IdempotencyKeyReuse, NotFound, Unauthorized, type ComfyEvent } from '@comfyorg/sdk';
import sharp from 'sharp';
import { startTestApp } from '../../helpers/app.js';
import { startStack } from '../../helpers/stack.js';
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
