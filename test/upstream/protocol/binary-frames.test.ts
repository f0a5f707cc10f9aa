import assert from 'node:assert/strict';
import test from 'node:test';
import {
  decodeBinaryFrame,
  encodePreviewImage,
  encodePreviewWithMetadata,
  encodeText,
  toLegacyPreview,
} from '../../../src/upstream/protocol/index.js';
import { recordedEvents } from './helpers.js';

/** The recorded binary frames of a scenario, rebuilt as they were on the wire. */
function recordedFrames(file: string): Array<{ bytes: Buffer; decoded: Record<string, unknown> }> {
  return recordedEvents(file)
    .filter((e) => e['kind'] === 'ws_recv' && e['frame'] === 'binary')
    .map((e) => {
      const head = Buffer.alloc(4);
      head.writeUInt32BE(e['event_type'] as number);
      return { bytes: Buffer.concat([head, Buffer.from(e['payload_base64'] as string, 'base64')]), decoded: e['decoded'] as Record<string, unknown> };
    });
}

test('decodes ComfyUI’s recorded type-4 preview frames, and re-encodes them byte for byte', () => {
  const frames = recordedFrames('ws_progress_preview_metadata.jsonl');
  assert.equal(frames.length, 3);
  for (const { bytes, decoded } of frames) {
    const frame = decodeBinaryFrame(bytes);
    assert.equal(frame.kind, 'preview_image_with_metadata');
    if (frame.kind !== 'preview_image_with_metadata') continue;
    assert.deepEqual(frame.metadata, decoded['metadata']);
    assert.equal(frame.image.subarray(0, 8).toString('hex'), '89504e470d0a1a0a');
    assert.deepEqual(encodePreviewWithMetadata(frame.metadata, frame.image), bytes, 'metadata JSON is written like json.dumps');
  }
});

test('decodes the recorded type-1 (legacy PNG) and type-3 (text) frames', () => {
  const [legacy] = recordedFrames('ws_progress_preview_legacy.jsonl');
  const preview = decodeBinaryFrame(legacy?.bytes ?? Buffer.alloc(0));
  assert.ok(preview.kind === 'preview_image' && preview.format === 'PNG' && preview.formatCode === 2);
  assert.deepEqual(encodePreviewImage('PNG', preview.image), legacy?.bytes);

  const [textFrame] = recordedFrames('ws_progress_text.jsonl');
  const text = decodeBinaryFrame(textFrame?.bytes ?? Buffer.alloc(0));
  assert.deepEqual(text, { kind: 'text', eventType: 3, nodeId: '2', text: 'width: 40, height: 30\n batch size: 2' });
  assert.deepEqual(encodeText('2', 'width: 40, height: 30\n batch size: 2'), textFrame?.bytes);
});

test('a type-4 frame becomes the type-1 frame a client without preview metadata gets', () => {
  const image = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
  const meta = { node_id: '5', prompt_id: 'p', display_node_id: '5', parent_node_id: null, real_node_id: '5', image_type: 'image/jpeg' };
  const legacy = toLegacyPreview(encodePreviewWithMetadata(meta, image));
  assert.deepEqual(legacy, encodePreviewImage('JPEG', image));
  const [recorded] = recordedFrames('ws_progress_preview_metadata.jsonl');
  const png = toLegacyPreview(recorded?.bytes ?? Buffer.alloc(0));
  assert.equal(png.readUInt32BE(0), 1);
  assert.equal(png.readUInt32BE(4), 2);
  assert.throws(() => toLegacyPreview(encodeText('1', 'x')), TypeError);
});

test('unknown event types pass through; truncated frames are refused', () => {
  const custom = Buffer.from([0, 0, 0, 9, 7, 7]);
  assert.deepEqual(decodeBinaryFrame(custom), { kind: 'unknown', eventType: 9, payload: Buffer.from([7, 7]) });
  assert.throws(() => decodeBinaryFrame(Buffer.from([0, 0, 0])), RangeError);
  assert.throws(() => decodeBinaryFrame(Buffer.from([0, 0, 0, 3, 0, 0, 0, 9, 65])), RangeError);
  assert.throws(() => decodeBinaryFrame(Buffer.from([0, 0, 0, 1, 0, 0])), RangeError);
});
