import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { test } from 'node:test';
import { convertWorkflow, detectWorkflowFormat, readAppMode, readPngWorkflow } from '../../../src/automation/convert/index.js';
import { encodePng, solidImage, withPngText } from '../../fake-comfy/png.js';
import { loadObjectInfo, pairWorkflow, promotedBlur } from './helpers.js';

const objectInfo = loadObjectInfo();
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

test('App Mode entries resolve to (node, input) in the converted prompt, with labels and config', () => {
  const workflow = pairWorkflow('01') as Json;
  workflow.extra = { linearMode: true, linearData: { inputs: [[6, 'text'], ['3', 'seed', { height: 240 }], ['widget:root-graph:3:steps', 'steps']], outputs: [9] } };
  workflow.nodes.find((n: Json) => n.id === 3).inputs.push({ name: 'seed', type: 'INT', widget: { name: 'seed' }, link: null, label: 'Seed' });
  const app = readAppMode(workflow, objectInfo);
  assert.ok(app.ok, JSON.stringify(!app.ok && app.problems));
  assert.equal(app.present, true);
  assert.equal(app.linearMode, true);
  assert.deepEqual(app.inputs, [
    { node: '6', input: 'text', label: undefined, config: undefined },
    { node: '3', input: 'seed', label: 'Seed', config: { height: 240 } },
    { node: '3', input: 'steps', label: undefined, config: undefined },
  ]);
  assert.deepEqual(app.outputs, [{ node: '9' }]);
  const prompt = convertWorkflow(workflow, objectInfo);
  assert.ok(prompt.ok);
  for (const input of app.inputs) assert.ok(Object.hasOwn(prompt.prompt[input.node]!.inputs, input.input));
});

test('a widget promoted from a subgraph is named by its interior id and lands on "<instance>:<interior>"', () => {
  const workflow = promotedBlur();
  workflow.extra.linearData = { inputs: [['3', 'blur_radius']], outputs: [4] };
  const app = readAppMode(workflow, objectInfo);
  assert.ok(app.ok, JSON.stringify(!app.ok && app.problems));
  assert.deepEqual(app.inputs, [{ node: '5:3', input: 'blur_radius', label: 'Radius', config: undefined }]);
});

test('App Mode entries that point at nothing are each reported', () => {
  const workflow = pairWorkflow('01') as Json;
  workflow.extra = { linearData: { inputs: [[99, 'text'], [3, 'nope'], [3, 'control_after_generate'], 'junk'], outputs: [4, 42] } };
  const app = readAppMode(workflow, objectInfo);
  assert.ok(!app.ok);
  const messages = app.problems.map((p) => p.message);
  assert.equal(messages.length, 6, messages.join('\n'));
  assert.match(messages[0]!, /node 99, which the workflow does not have/);
  assert.match(messages[1]!, /widget "nope" of node 3/);
  assert.match(messages[2]!, /widget "control_after_generate"/);
  assert.match(messages[4]!, /node 4 \(CheckpointLoaderSimple\) is not an output node/);

  const without = readAppMode(pairWorkflow('01'), objectInfo);
  assert.deepEqual(without, { ok: true, present: false, linearMode: undefined, inputs: [], outputs: [] });
});

test('readPngWorkflow reads tEXt, zTXt and iTXt chunks, and says why when it cannot', () => {
  const image = encodePng(solidImage(2, 2, [1, 2, 3]));
  const workflow = { version: 0.4, nodes: [], links: [], extra: { note: 'é ✓' } };
  const plain = readPngWorkflow(withPngText(image, { prompt: '{"1":{"class_type":"X","inputs":{"seed":18446744073709551615}}}' }));
  assert.ok(plain.ok);
  assert.equal(plain.workflow, undefined);
  assert.equal((plain.prompt as Json)['1'].inputs.seed, 18446744073709551615n, 'big seeds stay exact');

  const utf8 = Buffer.from(JSON.stringify(workflow), 'utf8');
  const itxt = chunk('iTXt', Buffer.concat([Buffer.from('workflow\0\x01\x00en\0\0', 'latin1'), zlib.deflateSync(utf8)]));
  const ztxt = chunk('zTXt', Buffer.concat([Buffer.from('prompt\0\0', 'latin1'), zlib.deflateSync(Buffer.from('{}'))]));
  const both = readPngWorkflow(insertAfterHeader(image, [itxt, ztxt]));
  assert.ok(both.ok);
  assert.deepEqual(both.workflow, workflow);
  assert.deepEqual(both.prompt, {});

  assert.deepEqual(readPngWorkflow(Buffer.from('not a png')), { ok: false, reason: 'the file is not a PNG' });
  const none = readPngWorkflow(image);
  assert.ok(!none.ok && /no ComfyUI workflow/.test(none.reason));
  const garbled = readPngWorkflow(withPngText(image, { workflow: '{oops' }));
  assert.ok(!garbled.ok && /not valid JSON/.test(garbled.reason));
});

test('detectWorkflowFormat tells UI, API and neither apart', () => {
  assert.deepEqual(detectWorkflowFormat(pairWorkflow('01')), { format: 'ui' });
  assert.deepEqual(detectWorkflowFormat({ '3': { class_type: 'KSampler', inputs: {} } }), { format: 'api' });
  for (const [value, reason] of [
    [null, /JSON object, got null/],
    [[1], /got a list/],
    [{}, /empty/],
    [{ prompt: { '3': { class_type: 'KSampler', inputs: {} } } }, /POST \/prompt body/],
    [{ '3': { inputs: {} } }, /entry "3" has no "class_type"/],
  ] as const) {
    const detected = detectWorkflowFormat(value);
    assert.equal(detected.format, 'invalid');
    assert.match((detected as { reason: string }).reason, reason);
  }
});

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0);
  return Buffer.concat([head, data, crc]);
}

function insertAfterHeader(png: Buffer, chunks: Buffer[]): Buffer {
  const at = 8 + 12 + png.readUInt32BE(8);
  return Buffer.concat([png.subarray(0, at), ...chunks, png.subarray(at)]);
}
