import assert from 'node:assert/strict';
import test from 'node:test';
import {
  applyNodeReplacements,
  hasFeature,
  mergeNodeReplacements,
  parseComfyVersion,
  parseNodeReplacements,
} from '../../../src/upstream/protocol/index.js';
import { loadRecordedNodeReplacements, recordingsDirFor } from '../../fake-comfy/recordings.js';

const table = parseNodeReplacements(loadRecordedNodeReplacements(recordingsDirFor('0.33.0')));
const offersAllBut = (...missing: string[]) => (classType: string) => !missing.includes(classType);

test('a class that is not offered is rewritten to its successor: inputs mapped or set, links to its outputs re-pointed', () => {
  const prompt = {
    '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
    '2': { class_type: 'ResizeImagesByLongerEdge', inputs: { images: ['1', 0], longer_edge: 32 }, _meta: { title: 'Old' } },
    '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'x' } },
  };
  const result = applyNodeReplacements(prompt, table, offersAllBut('ResizeImagesByLongerEdge'));
  assert.ok(result.ok);
  assert.deepEqual(result.replaced, ['2']);
  assert.deepEqual(result.prompt['2'], {
    class_type: 'ImageScaleToMaxDimension',
    inputs: { image: ['1', 0], largest_size: 32, upscale_method: 'lanczos' },
    _meta: { title: 'Old' },
  });
  assert.deepEqual(result.prompt['3'], prompt['3']);
  assert.equal(prompt['2'].class_type, 'ResizeImagesByLongerEdge', 'the given prompt is not changed');
});

test('no replacement when the class is offered, when its successor is not, or when none is registered', () => {
  const node = { class_type: 'ResizeImagesByLongerEdge', inputs: { images: ['1', 0], longer_edge: 32 }, _meta: { title: 'x' } };
  const unchanged = (offers: (c: string) => boolean) => {
    const result = applyNodeReplacements({ '2': node }, table, offers);
    assert.ok(result.ok);
    assert.deepEqual(result.replaced, []);
  };
  unchanged(() => true);
  unchanged(offersAllBut('ResizeImagesByLongerEdge', 'ImageScaleToMaxDimension'));
  const other = applyNodeReplacements({ '2': { ...node, class_type: 'NoSuchNodeXYZ' } }, table, offersAllBut('NoSuchNodeXYZ'));
  assert.ok(other.ok && other.replaced.length === 0);
});

test('where ComfyUI raises (no _meta, a mapped input the node lacks) the rewrite fails with the reason', () => {
  const noMeta = applyNodeReplacements({ '1': { class_type: 'T2IAdapterLoader', inputs: { t2i_adapter_name: 'a' } } }, table, offersAllBut('T2IAdapterLoader'));
  assert.deepEqual(noMeta, { ok: false, reason: "KeyError: '_meta' (node 1)" });
  const noInput = applyNodeReplacements({ '1': { class_type: 'T2IAdapterLoader', inputs: {}, _meta: {} } }, table, offersAllBut('T2IAdapterLoader'));
  assert.deepEqual(noInput, { ok: false, reason: "KeyError: 't2i_adapter_name' (node 1)" });
});

test('tables merge per old class, first backend first; malformed entries are dropped', () => {
  const extra = parseNodeReplacements({ ImageBatch: [{ new_node_id: 'Other', old_node_id: 'ImageBatch' }, 'junk'], Bad: 5 });
  const merged = mergeNodeReplacements([table, extra]);
  assert.deepEqual(merged['ImageBatch']?.map((r) => r.new_node_id), ['BatchImagesNode', 'Other']);
  assert.ok(!('Bad' in merged));
});

test('versions: parsed loosely, features by first version; an unreadable version counts as the gateway’s', () => {
  assert.deepEqual(parseComfyVersion('v0.33.1-rc1'), [0, 33, 1]);
  assert.equal(parseComfyVersion('nightly'), null);
  assert.equal(hasFeature('0.8.0', 'missingNodeType'), false);
  assert.equal(hasFeature('0.12.0', 'missingNodeType'), true);
  assert.equal(hasFeature('0.25.9', 'jobCancelRoutes'), false);
  assert.equal(hasFeature(null, 'jobCancelRoutes'), true);
});
