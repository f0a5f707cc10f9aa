/**
 * Binary frames through the gateway: each socket gets previews in the format it negotiated
 * (type 4 with metadata, or ComfyUI's legacy type 1 for clients that sent no feature_flags),
 * and progress text (type 3) reaches the prompt's client only, as ComfyUI routes them.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { type TestApp } from '../helpers/app.js';
import { startStack } from '../helpers/stack.js';
import { ComfyTestClient, postJson } from '../helpers/comfy-client.js';

async function connect(t: TestContext, app: TestApp, clientId: string, metadata: boolean): Promise<ComfyTestClient> {
  const client = await ComfyTestClient.connect(app.wsUrl, clientId, metadata ? { supports_preview_metadata: true } : undefined);
  t.after(() => client.close());
  // Negotiated before anything runs: our answer comes back only to a client that asked.
  if (metadata) await client.waitFor(() => client.frames.some((f) => f.type === 'feature_flags'));
  return client;
}

interface PreviewWithMetadata {
  readonly metadata: Record<string, unknown>;
  readonly image: Buffer;
}

function parseType4(frame: Buffer): PreviewWithMetadata {
  assert.equal(frame.readUInt32BE(0), 4);
  const length = frame.readUInt32BE(4);
  return { metadata: JSON.parse(frame.subarray(8, 8 + length).toString('utf8')) as Record<string, unknown>, image: frame.subarray(8 + length) };
}

function parseType1(frame: Buffer): { format: number; image: Buffer } {
  assert.equal(frame.readUInt32BE(0), 1, 'legacy PREVIEW_IMAGE frame');
  return { format: frame.readUInt32BE(4), image: frame.subarray(8) };
}

const PNG_MAGIC = '89504e470d0a1a0a';
const JPEG_MAGIC = 'ffd8ff';

test('SaveImageWebsocket previews: type 4 with metadata naming the prompt to a negotiating socket, the same PNGs as type 1 to a legacy socket of that client', async (t) => {
  const { app } = await startStack(t);
  const modern = await connect(t, app, 'viewer', true);
  const legacy = await connect(t, app, 'viewer', false);
  const stranger = await connect(t, app, 'stranger', true);

  // The recorded ws_progress_preview_* workflow: a batch of 3 streamed by SaveImageWebsocket.
  const prompt = {
    '1': { class_type: 'EmptyImage', inputs: { width: 32, height: 24, batch_size: 3, color: 8369546 } },
    '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
    '3': { class_type: 'SaveImageWebsocket', inputs: { images: ['2', 0] } },
  };
  const submitted = await postJson(`${app.url}/prompt`, { prompt, client_id: 'viewer' });
  assert.equal(submitted.status, 200);
  const promptId = (submitted.body as { prompt_id: string }).prompt_id;
  await modern.waitForDone(promptId);
  await legacy.waitForDone(promptId);

  assert.equal(modern.binary.length, 3, 'one preview per image of the batch');
  const previews = modern.binary.map(parseType4);
  for (const preview of previews) {
    assert.deepEqual(preview.metadata, {
      node_id: '3',
      prompt_id: promptId,
      display_node_id: '3',
      parent_node_id: null,
      real_node_id: '3',
      image_type: 'image/png',
    });
    assert.equal(preview.image.subarray(0, 8).toString('hex'), PNG_MAGIC);
  }

  assert.equal(legacy.binary.length, 3);
  legacy.binary.map(parseType1).forEach((frame, i) => {
    assert.equal(frame.format, 2, 'PNG code');
    assert.deepEqual(frame.image, previews[i]?.image, 'the very image bytes of the type-4 frame');
  });
  // Each preview follows its progress step, as ComfyUI sends them (progress values 0, 1, 2 of 3).
  const progress = legacy.framesOf(promptId).filter((f) => f.type === 'progress').map((f) => [f.data.value, f.data.max]);
  assert.deepEqual(progress, [[0, 3], [1, 3], [2, 3]]);

  assert.equal(stranger.binary.length, 0, 'another client gets none of them');
  assert.equal(stranger.framesOf(promptId).length, 0);
});

test('--preview-method sampler previews (JPEG) are converted to type 1 with the JPEG code for a legacy client', async (t) => {
  const { fake, app } = await startStack(t, { previewMethod: 'auto' });
  fake.control.setProgressSteps(2, 'ImageInvert');
  const modern = await connect(t, app, 'sampler-modern', true);
  const legacy = await connect(t, app, 'sampler-legacy', false);

  const graph = (color: number) => ({
    '1': { class_type: 'EmptyImage', inputs: { width: 16, height: 16, batch_size: 1, color } },
    '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
    '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'pv' } },
  });
  const first = (await postJson(`${app.url}/prompt`, { prompt: graph(1), client_id: 'sampler-modern' })).body as { prompt_id: string };
  const second = (await postJson(`${app.url}/prompt`, { prompt: graph(2), client_id: 'sampler-legacy' })).body as { prompt_id: string };
  await modern.waitForDone(first.prompt_id);
  await legacy.waitForDone(second.prompt_id);

  assert.equal(modern.binary.length, 2, 'one preview per sampler step');
  for (const frame of modern.binary) {
    const { metadata, image } = parseType4(frame);
    assert.equal(metadata.prompt_id, first.prompt_id);
    assert.equal(metadata.node_id, '2');
    assert.equal(metadata.image_type, 'image/jpeg');
    assert.equal(image.subarray(0, 3).toString('hex'), JPEG_MAGIC);
  }
  assert.equal(legacy.binary.length, 2);
  for (const frame of legacy.binary) {
    const { format, image } = parseType1(frame);
    assert.equal(format, 1, 'JPEG code');
    assert.equal(image.subarray(0, 3).toString('hex'), JPEG_MAGIC);
  }
});

test('progress text (type 3, GetImageSize) goes to the prompt’s client unchanged, and to no one else', async (t) => {
  const { app } = await startStack(t);
  const owner = await connect(t, app, 'text-owner', false);
  const other = await connect(t, app, 'text-other', true);

  // The recorded ws_progress_text workflow.
  const prompt = {
    '1': { class_type: 'EmptyImage', inputs: { width: 40, height: 30, batch_size: 2, color: 8369547 } },
    '2': { class_type: 'GetImageSize', inputs: { image: ['1', 0] } },
    '3': { class_type: 'PreviewAny', inputs: { source: ['2', 0] } },
  };
  const { prompt_id: promptId } = (await postJson(`${app.url}/prompt`, { prompt, client_id: 'text-owner' })).body as { prompt_id: string };
  await owner.waitForDone(promptId);

  assert.equal(owner.binary.length, 1);
  const frame = owner.binary[0] as Buffer;
  assert.equal(frame.readUInt32BE(0), 3, 'TEXT frame');
  const idLength = frame.readUInt32BE(4);
  assert.equal(frame.subarray(8, 8 + idLength).toString('utf8'), '2');
  assert.equal(frame.subarray(8 + idLength).toString('utf8'), 'width: 40, height: 30\n batch size: 2');
  const executed = owner.framesOf(promptId).find((f) => f.type === 'executed');
  assert.deepEqual(executed?.data.output, { text: ['40'] });

  assert.equal(other.binary.length, 0, 'the text belongs to the prompt’s client');
});
