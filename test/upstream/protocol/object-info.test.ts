import assert from 'node:assert/strict';
import test from 'node:test';
import {
  getInputInfo,
  hiddenInputsOfKind,
  isOutputNode,
  linkTypeMatches,
  listInputs,
  PyFloat,
} from '../../../src/upstream/protocol/index.js';
import { recordedObjectInfo } from './helpers.js';

const info = recordedObjectInfo();
const node = (name: string) => {
  const found = info[name];
  assert.ok(found, name);
  return found;
};

test('input specs read as ComfyUI reads them: scalar kinds, list combos, COMBO options, other types', () => {
  const blur = node('ImageBlur');
  assert.deepEqual(listInputs(blur).map((i) => [i.name, i.kind]), [['image', 'OTHER'], ['blur_radius', 'INT'], ['sigma', 'FLOAT']]);
  assert.ok(getInputInfo(blur, 'sigma')?.extra['max'] instanceof PyFloat, 'float bounds stay floats');
  const scale = getInputInfo(node('ImageScale'), 'upscale_method');
  assert.equal(scale?.kind, 'COMBO');
  assert.deepEqual(scale?.choices, ['nearest-exact', 'bilinear', 'area', 'bicubic', 'lanczos']);
  const flip = getInputInfo(node('ImageFlip'), 'flip_method');
  assert.equal(flip?.type, 'COMBO');
  assert.deepEqual(flip?.choices, ['x-axis: vertically', 'y-axis: horizontally']);
  assert.equal(getInputInfo(node('LoadImage'), 'image')?.kind, 'COMBO');
  assert.deepEqual(getInputInfo(node('LoadImage'), 'image')?.extra, { image_upload: true });
  assert.equal(getInputInfo(node('SaveImage'), 'filename_prefix')?.kind, 'STRING');
  assert.equal(getInputInfo(node('SaveImage'), 'prompt'), undefined, 'hidden inputs are not inputs');
  assert.equal(getInputInfo(node('SaveImage'), 'nope'), undefined);
});

test('required inputs come first, in input_order; optional ones follow', () => {
  const withOptional = Object.values(info).find((n) => Object.keys(n.input.optional ?? {}).length > 0 && Object.keys(n.input.required ?? {}).length > 0);
  assert.ok(withOptional);
  const inputs = listInputs(withOptional);
  const firstOptional = inputs.findIndex((i) => i.category === 'optional');
  assert.ok(firstOptional > 0 && inputs.slice(firstOptional).every((i) => i.category === 'optional'));
  assert.deepEqual(inputs.filter((i) => i.category === 'required').map((i) => i.name), withOptional.input_order?.required);
});

test('output nodes and hidden inputs', () => {
  assert.equal(isOutputNode(node('SaveImage')), true);
  assert.equal(isOutputNode(node('PreviewAny')), true);
  assert.equal(isOutputNode(node('ImageInvert')), false);
  assert.deepEqual(hiddenInputsOfKind(node('GetImageSize'), 'UNIQUE_ID'), ['unique_id']);
  assert.deepEqual(hiddenInputsOfKind(node('SaveImage'), 'PROMPT'), ['prompt']);
  assert.deepEqual(hiddenInputsOfKind(node('ImageInvert'), 'PROMPT'), []);
});

test('link types: equal, any, unions, match types; combo lists only equal themselves', () => {
  assert.ok(linkTypeMatches('IMAGE', 'IMAGE'));
  assert.ok(!linkTypeMatches('INT', 'IMAGE'));
  assert.ok(linkTypeMatches('INT', '*') && linkTypeMatches('*', 'LATENT'));
  assert.ok(linkTypeMatches('STRING,INT', 'INT'));
  assert.ok(linkTypeMatches('IMAGE', 'COMFY_MATCHTYPE_V3'));
  assert.ok(!linkTypeMatches(['a', 'b'], 'STRING'));
});
