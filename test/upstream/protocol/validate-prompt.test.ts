import assert from 'node:assert/strict';
import test from 'node:test';
import { errorBody, validatePrompt, type ValidationResult } from '../../../src/upstream/protocol/index.js';
import { loadRecordedObjectInfo, recordingsDirFor } from '../../fake-comfy/recordings.js';
import { recordedExchanges, recordedObjectInfo } from './helpers.js';

const info = recordedObjectInfo();
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

const empty = (id = '1', color: unknown = 0) => ({ [id]: { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color } } });
const save = (from: string, id = '9') => ({ [id]: { class_type: 'SaveImage', inputs: { images: [from, 0], filename_prefix: 'x' } } });

function rejected(result: ValidationResult) {
  assert.equal(result.status, 400, JSON.stringify(result));
  if (result.status !== 400) throw new Error('unreachable');
  return plain(errorBody(result)) as { error: { type: string; details: string }; node_errors: Record<string, { errors: Array<Record<string, unknown>>; dependent_outputs: string[] }> };
}

const CASES = [
  { version: '0.8.0', files: ['post_prompt_errors.json'] },
  { version: '0.33.0', files: ['post_prompt_errors.json', 'newer_validation_errors.json'] },
] as const;

for (const { version, files } of CASES) {
  test(`${version}: every recorded POST /prompt validation answer is reproduced field for field`, () => {
    const dir = recordingsDirFor(version);
    const objectInfo = version === '0.8.0' ? info : loadRecordedObjectInfo(dir);
    // LoadImage checks its file on disk; "definitely_not_here.png" was missing on the recorded server.
    const custom = { LoadImage: { inputs: ['image'], check: (v: Readonly<Record<string, unknown>>) => `Invalid image file: ${String(v['image'])}` } };
    const exchanges = files.flatMap((file) => recordedExchanges(file, dir)).filter((e) => e.request.body?.kind === 'json');
    assert.ok(exchanges.length >= 13);
    for (const exchange of exchanges) {
      const body = exchange.request.body?.value as { prompt?: unknown };
      const result = validatePrompt('prompt' in body ? body.prompt : undefined, objectInfo, { customValidations: custom, version });
      const expected = exchange.response.body as { node_errors: unknown };
      assert.equal(result.status, exchange.response.status, exchange.note);
      if (result.status === 400) assert.deepEqual(plain(errorBody(result)), expected, exchange.note);
      else if (result.ok) assert.deepEqual(plain(result.nodeErrors), expected.node_errors, exchange.note);
    }
  });
}

test('a valid prompt runs its output nodes and comes back with ComfyUI’s conversions applied', () => {
  const prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }> = {
    ...empty('1', '255'),
    '2': { class_type: 'ImageBlur', inputs: { image: ['1', 0], blur_radius: '3', sigma: 2 } },
    ...save('2', '3'),
    '4': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
  };
  const result = validatePrompt(prompt, info);
  assert.equal(result.status, 200);
  if (!result.ok) return;
  assert.deepEqual(result.outputsToExecute, ['3', '4']);
  assert.deepEqual(result.nodeErrors, {});
  assert.equal(result.prompt['1']?.['inputs'] && (result.prompt['1']['inputs'] as Record<string, unknown>)['color'], 255);
  assert.equal((result.prompt['2']?.['inputs'] as Record<string, unknown>)['blur_radius'], 3);
  assert.equal(JSON.stringify((result.prompt['2']?.['inputs'] as Record<string, unknown>)['sigma']), '2');
  assert.equal((prompt['1']?.inputs as Record<string, unknown>)['color'], '255', 'the caller’s prompt is not modified');
});

test('bounds, lists and conversions fail with ComfyUI’s types and messages', () => {
  const low = rejected(validatePrompt({ ...empty('1', -1), ...save('1') }, info));
  assert.equal(low.node_errors['1']?.errors[0]?.['type'], 'value_smaller_than_min');
  assert.equal(low.node_errors['1']?.errors[0]?.['message'], 'Value -1 smaller than min of 0');

  const float = rejected(validatePrompt({ ...empty(), '2': { class_type: 'ImageBlur', inputs: { image: ['1', 0], blur_radius: 1, sigma: 'soft' } }, ...save('2') }, info));
  assert.deepEqual(float.node_errors['2']?.errors[0]?.['details'], "sigma, soft, could not convert string to float: 'soft'");
  const high = rejected(validatePrompt({ ...empty(), '2': { class_type: 'ImageBlur', inputs: { image: ['1', 0], blur_radius: 1, sigma: 11 } }, ...save('2') }, info));
  assert.equal(high.node_errors['2']?.errors[0]?.['message'], 'Value 11.0 bigger than max of 10.0');

  const combo = rejected(validatePrompt({ ...empty(), '2': { class_type: 'ImageScale', inputs: { image: ['1', 0], upscale_method: 'fancy', width: 8, height: 8, crop: 'disabled' } }, ...save('2') }, info));
  assert.deepEqual(combo.node_errors['2']?.errors[0], {
    type: 'value_not_in_list',
    message: 'Value not in list',
    details: "upscale_method: 'fancy' not in ['nearest-exact', 'bilinear', 'area', 'bicubic', 'lanczos']",
    extra_info: { input_name: 'upscale_method', input_config: [['nearest-exact', 'bilinear', 'area', 'bicubic', 'lanczos'], {}], received_value: 'fancy' },
  });
});

test('new-style COMBO inputs are checked against their options; long lists are left out of the reply', () => {
  const flip = rejected(validatePrompt({ ...empty(), '2': { class_type: 'ImageFlip', inputs: { image: ['1', 0], flip_method: 'z-axis' } }, ...save('2') }, info));
  assert.match(flip.node_errors['2']?.errors[0]?.['details'] as string, /^flip_method: 'z-axis' not in \['x-axis: vertically', 'y-axis: horizontally'\]$/);
  const many = Array.from({ length: 25 }, (_, i) => `m${i}.safetensors`);
  const loader = info['CheckpointLoaderSimple'];
  assert.ok(loader);
  const withModels = { ...info, CheckpointLoaderSimple: { ...loader, input: { required: { ckpt_name: [many] as const } } } };
  const prompt = {
    '1': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'missing.safetensors' } },
    '2': { class_type: 'PreviewAny', inputs: { source: ['1', 0] } },
  };
  const long = rejected(validatePrompt(prompt, withModels));
  assert.equal(long.node_errors['1']?.errors[0]?.['details'], "ckpt_name: 'missing.safetensors' not in (list of length 25)");
  assert.deepEqual((long.node_errors['1']?.errors[0]?.['extra_info'] as Record<string, unknown>)['input_config'], null);
});

test('links: wrong shape, any-typed inputs, and a linked node’s errors dropping only the outputs that need it', () => {
  const bad = rejected(validatePrompt({ ...empty(), '9': { class_type: 'SaveImage', inputs: { images: ['1'], filename_prefix: 'x' } } }, info));
  assert.equal(bad.node_errors['9']?.errors[0]?.['type'], 'bad_linked_input');
  const any = validatePrompt({ ...empty(), '2': { class_type: 'GetImageSize', inputs: { image: ['1', 0] } }, '3': { class_type: 'PreviewAny', inputs: { source: ['2', 1] } } }, info);
  assert.equal(any.status, 200, '"*" accepts an INT link');
  const partial = validatePrompt({ ...empty('1', 1e9), ...save('1', '2'), ...empty('3'), ...save('3', '4') }, info);
  assert.equal(partial.status, 200);
  if (partial.ok) {
    assert.deepEqual(partial.outputsToExecute, ['4']);
    assert.deepEqual(Object.keys(partial.nodeErrors), ['1']);
  }
});

test('ComfyUI appends every later failing output to every earlier node error', () => {
  const body = rejected(validatePrompt({ ...empty('1', -5), ...save('1', '2'), ...empty('3', -5), ...save('3', '4') }, info));
  assert.deepEqual(body.node_errors['1']?.dependent_outputs, ['2', '4']);
  assert.deepEqual(body.node_errors['3']?.dependent_outputs, ['4']);
});

test('partial_execution_targets limits the outputs; no targeted output is prompt_no_outputs', () => {
  const prompt = { ...empty(), ...save('1', '2'), ...save('1', '3') };
  const result = validatePrompt(prompt, info, { partialExecutionTargets: ['3'] });
  assert.ok(result.ok && result.outputsToExecute.join() === '3');
  assert.equal(rejected(validatePrompt(prompt, info, { partialExecutionTargets: ['1'] })).error.type, 'prompt_no_outputs');
});

test('inputs validated by the node itself skip the combo check unless a check is plugged in', () => {
  const prompt = { '1': { class_type: 'LoadImage', inputs: { image: 'anything.png' } }, ...save('1') };
  assert.equal(validatePrompt(prompt, info).status, 200, 'the gateway cannot see the backend’s input folder');
  // Its VALIDATE_INPUTS still runs, and raises without the argument: reported on the loader.
  const missing = rejected(validatePrompt({ '1': { class_type: 'LoadImage', inputs: {} }, ...save('1') }, info));
  assert.equal(missing.node_errors['1']?.errors[0]?.['type'], 'exception_during_inner_validation');
  assert.match(String(missing.node_errors['1']?.errors[0]?.['details']), /VALIDATE_INPUTS\(\) missing 1 required positional argument: 'image'/);
});

test('odd prompts: ComfyUI’s 400s where it answers them, 500 where it crashes', () => {
  assert.equal(rejected(validatePrompt(undefined, info)).error.type, 'no_prompt');
  assert.equal(rejected(validatePrompt([], info)).error.type, 'prompt_no_outputs');
  assert.equal(rejected(validatePrompt({ '1': 'SaveImage' }, info, { version: '0.8.0' })).error.type, 'invalid_prompt');
  assert.equal(rejected(validatePrompt({ '1': 'SaveImage' }, info)).error.type, 'missing_node_type');
  assert.equal(rejected(validatePrompt({ '1': { class_type: 7, inputs: {} } }, info)).error.details, "Node ID '#1'");
  assert.equal(validatePrompt(42, info).status, 500);
  assert.equal(validatePrompt({ '1': null }, info).status, 500);
  const noInputs = rejected(validatePrompt({ '9': { class_type: 'SaveImage' } }, info));
  assert.equal(noInputs.node_errors['9']?.errors[0]?.['details'], "'inputs'");
  const graph = { '1': { class_type: 'ImageInvert', inputs: { image: ['2', 0] } }, '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } }, ...save('2') };
  assert.equal(validatePrompt(graph, info, { version: '0.8.0' }).status, 400, 'a cycle fails validation instead of recursing forever');
  const cycle = rejected(validatePrompt(graph, info));
  assert.deepEqual(Object.keys(cycle.node_errors).sort(), ['1', '2']);
  assert.equal(cycle.node_errors['1']?.errors[0]?.['type'], 'dependency_cycle');
  assert.equal(cycle.node_errors['1']?.errors[0]?.['details'], '2 (ImageInvert) -> 1 (ImageInvert) -> 2 (ImageInvert)');
});
