import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeObjectInfos } from '../../src/queue/object-info-union.js';

test('the pool’s object_info: every class once, combo choices of every backend in first-seen order, both combo forms', () => {
  const a = {
    Loader: { input: { required: { ckpt: [['x.safetensors', 'y.safetensors'], { tooltip: 't' }], steps: ['INT', { min: 1 }] } }, output: ['MODEL'] },
    Picker: { input: { required: {}, optional: { mode: ['COMBO', { options: ['fast'], default: 'fast' }] } } },
    OnlyA: { input: { required: {} } },
  };
  const b = {
    Loader: { input: { required: { ckpt: [['y.safetensors', 'z.safetensors']], steps: ['INT', { min: 5 }] } }, output: ['OTHER'] },
    Picker: { input: { required: {}, optional: { mode: ['COMBO', { options: ['slow', 'fast'] }] } } },
    OnlyB: { input: { required: {} } },
  };
  const union = mergeObjectInfos([a, b]);
  assert.deepEqual(Object.keys(union), ['Loader', 'Picker', 'OnlyA', 'OnlyB']);
  assert.deepEqual(union['Loader'], {
    input: { required: { ckpt: [['x.safetensors', 'y.safetensors', 'z.safetensors'], { tooltip: 't' }], steps: ['INT', { min: 1 }] } },
    output: ['MODEL'],
  });
  assert.deepEqual(union['Picker'], { input: { required: {}, optional: { mode: ['COMBO', { options: ['fast', 'slow'], default: 'fast' }] } } });
  assert.equal(union['OnlyB'], b.OnlyB);
  // Nothing new to add: the first backend's node object itself, and the inputs are not mutated.
  assert.equal(mergeObjectInfos([a, { OnlyA: a.OnlyA, Loader: { input: { required: { ckpt: [['x.safetensors']] } } } }])['Loader'], a.Loader);
  assert.deepEqual(a.Loader.input.required.ckpt[0], ['x.safetensors', 'y.safetensors']);
});
