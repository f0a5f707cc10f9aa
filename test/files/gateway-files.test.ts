/**
 * Files through the whole gateway, the way a ComfyUI client uses them: upload an image to us,
 * queue a prompt that loads it, and download the result from us — the backend never saw the
 * upload, and is gone by the time the result is fetched.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { startTestApp } from '../helpers/app.js';
import { waitForBackendsUp } from '../helpers/stack.js';
import { ComfyTestClient, getJson, postJson } from '../helpers/comfy-client.js';
import { startFakeComfy } from '../fake-comfy/server.js';
import { postForm, solidPng } from './helpers.js';

interface OutputImage {
  filename: string;
  subfolder: string;
  type: string;
}

test('an image uploaded to the gateway reaches a backend that never saw it, once, and the output outlives the backend', async (t) => {
  const fake = await startFakeComfy();
  const app = await startTestApp(['--comfyui', fake.url]);
  let client: ComfyTestClient | undefined;
  t.after(async () => {
    client?.close();
    await app.close();
    await fake.close();
  });
  await waitForBackendsUp(app.url);
  client = await ComfyTestClient.connect(app.wsUrl, 'files-e2e');

  const photo = await solidPng(8, 8, [250, 120, 10, 255]);
  const uploaded = await postForm(`${app.url}/upload/image`, [{ name: 'image', filename: 'photo.png', value: photo }]);
  assert.equal(uploaded.status, 200);
  assert.deepEqual(await uploaded.json(), { name: 'photo.png', subfolder: '', type: 'input' });
  assert.equal(fake.control.received.uploads.length, 0, 'the upload stays with the gateway until a prompt needs it');

  const graph = {
    '1': { class_type: 'LoadImage', inputs: { image: 'photo.png' } },
    '2': { class_type: 'ImageScale', inputs: { image: ['1', 0], upscale_method: 'nearest-exact', width: 32, height: 32, crop: 'disabled' } },
    '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'files_e2e' } },
  };
  const run = async (): Promise<OutputImage> => {
    const queued = await postJson(`${app.url}/prompt`, { prompt: graph, client_id: 'files-e2e' });
    assert.equal(queued.status, 200, JSON.stringify(queued.body));
    const promptId = (queued.body as { prompt_id: string }).prompt_id;
    await client?.waitForDone(promptId);
    const history = await getJson<Record<string, { outputs: Record<string, { images: OutputImage[] }>; status: { status_str: string } }>>(
      `${app.url}/history/${promptId}`,
    );
    const entry = history[promptId];
    assert.equal(entry?.status.status_str, 'success', JSON.stringify(entry?.status));
    const image = entry?.outputs['3']?.images[0];
    assert.ok(image, 'SaveImage output in history');
    return image;
  };

  const first = await run();
  assert.deepEqual(
    fake.control.received.uploads.map((u) => [u.route, u.status, u.name, u.type]),
    [['/upload/image', 200, 'photo.png', 'input']],
  );
  const second = await run();
  assert.equal(fake.control.received.uploads.length, 1, 'the second prompt uploads nothing');

  await fake.close();
  for (const image of [first, second]) {
    const response = await fetch(`${app.url}/view?filename=${encodeURIComponent(image.filename)}&subfolder=${image.subfolder}&type=${image.type}`);
    assert.equal(response.status, 200, `GET /view ${image.filename} after the backend is gone`);
    const { data, info } = await sharp(Buffer.from(await response.arrayBuffer())).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [32, 32]);
    assert.deepEqual([...data.subarray(0, 3)], [250, 120, 10], 'the uploaded pixels made it through the backend');
  }
});
