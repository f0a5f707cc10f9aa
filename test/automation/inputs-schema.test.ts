import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandAxes, cellAt } from '../../src/automation/cells.js';
import { compilePrompt, resolveValues } from '../../src/automation/compile.js';
import { describeInputs } from '../../src/automation/inputs.js';
import type { PoolInfo } from '../../src/automation/pool-info.js';
import { defaultOutputs, proposeInputs } from '../../src/automation/propose.js';
import { exampleBody, runBodySchema } from '../../src/automation/schema.js';
import { sheetLayout, renderSheet, SHEET_GAP, SHEET_HEADER_HEIGHT } from '../../src/automation/sheet.js';
import { createSchemaChecker } from '../../src/automation/validate.js';
import type { ObjectInfo } from '../../src/upstream/protocol/index.js';
import sharp from 'sharp';
import { loadRecordedObjectInfo } from '../fake-comfy/recordings.js';
import { DEFAULT_CHECKPOINT, defaultWorkflowPrompt } from './helpers.js';

/** The recorded object_info with a checkpoint list, as a backend holding `checkpoints` reports it. */
function infoWith(checkpoints: string[]): ObjectInfo {
  const info = loadRecordedObjectInfo();
  const loader = info['CheckpointLoaderSimple']!;
  return { ...info, CheckpointLoaderSimple: { ...loader, input: { required: { ckpt_name: [checkpoints, {}] } } } };
}

function twoBackendPool(): PoolInfo {
  const a = infoWith([DEFAULT_CHECKPOINT, 'only-a.safetensors']);
  const b = infoWith([DEFAULT_CHECKPOINT]);
  return { union: infoWith([DEFAULT_CHECKPOINT, 'only-a.safetensors']), backends: [{ name: 'a', info: a }, { name: 'b', info: b }] };
}

test('the proposal for the default workflow types prompts, seed, size, sampler settings and the checkpoint from object_info', () => {
  const prompt = defaultWorkflowPrompt();
  const pool = twoBackendPool();
  const bindings = proposeInputs(prompt, pool);
  assert.deepEqual(
    bindings.map((b) => `${b.name}=${b.node}.${b.input}`),
    ['seed=3.seed', 'steps=3.steps', 'cfg=3.cfg', 'sampler_name=3.sampler_name', 'scheduler=3.scheduler', 'denoise=3.denoise', 'ckpt_name=4.ckpt_name', 'width=5.width', 'height=5.height', 'prompt=6.text', 'negative_prompt=7.text'],
  );
  const { inputs, broken } = describeInputs(bindings, prompt, pool);
  assert.deepEqual(broken, []);
  const by = Object.fromEntries(inputs.map((i) => [i.name, i]));
  assert.equal(by.seed?.type, 'seed');
  assert.equal(by.seed?.max, Number.MAX_SAFE_INTEGER, 'seeds are capped where JSON numbers stay exact');
  assert.deepEqual([by.steps?.type, by.steps?.min, by.steps?.max, by.steps?.default], ['int', 1, 10000, 20]);
  assert.deepEqual([by.cfg?.type, by.cfg?.min, by.cfg?.max, by.cfg?.step], ['float', 0, 100, 0.1]);
  assert.deepEqual([by.width?.type, by.width?.step, by.width?.default], ['int', 8, 512]);
  assert.equal(by.prompt?.type, 'string');
  assert.equal(by.prompt?.multiline, true);
  assert.equal(by.sampler_name?.type, 'enum');
  assert.deepEqual(by.ckpt_name?.choices, [
    { value: DEFAULT_CHECKPOINT, backends: ['a', 'b'] },
    { value: 'only-a.safetensors', backends: ['a'] },
  ]);
  assert.deepEqual(defaultOutputs(prompt, pool), [{ node: '9', class_type: 'SaveImage', label: 'Save Image' }]);
});

test('bindings to a missing node, a missing input or a linked input are reported as broken', () => {
  const prompt = defaultWorkflowPrompt();
  const { inputs, broken } = describeInputs(
    [
      { name: 'gone', node: '99', input: 'seed' },
      { name: 'nope', node: '3', input: 'no_such_input' },
      { name: 'linked', node: '3', input: 'model' },
      { name: 'ok', node: '3', input: 'steps', label: 'Steps', min: 5 },
    ],
    prompt,
    twoBackendPool(),
  );
  assert.deepEqual(broken.map((b) => b.name), ['gone', 'nope', 'linked']);
  assert.deepEqual(inputs.map((i) => [i.name, i.label, i.min]), [['ok', 'Steps', 5]]);
});

test('the schema accepts its own example and names every bad field with its reason', () => {
  const prompt = defaultWorkflowPrompt();
  const pool = twoBackendPool();
  const { inputs } = describeInputs(proposeInputs(prompt, pool), prompt, pool);
  const schema = runBodySchema(inputs);
  const checker = createSchemaChecker();
  assert.deepEqual(checker.problems(schema, exampleBody(inputs)), []);
  const problems = checker.problems(schema, {
    inputs: { steps: 0, cfg: 'high', width: 513, sampler_name: 'nope', seed: -1, ckpt_name: 'missing.safetensors', extra: 1, prompt: 5 },
  });
  const fields = Object.fromEntries(problems.map((p) => [p.field, p.reason]));
  assert.deepEqual(Object.keys(fields).sort(), ['inputs.cfg', 'inputs.ckpt_name', 'inputs.extra', 'inputs.prompt', 'inputs.sampler_name', 'inputs.seed', 'inputs.steps', 'inputs.width'].sort());
  assert.match(fields['inputs.steps'] ?? '', />= 1/);
  assert.match(fields['inputs.width'] ?? '', /multiple of 8/);
  assert.match(fields['inputs.extra'] ?? '', /not an input/);
  assert.deepEqual(checker.problems(schema, { inputs: { seed: 'random', steps: 30 }, client_id: 'me' }), []);
});

test('compiling writes values into their nodes, draws random seeds and leaves the app prompt alone', () => {
  const prompt = defaultWorkflowPrompt();
  const pool = twoBackendPool();
  const { inputs } = describeInputs(proposeInputs(prompt, pool), prompt, pool);
  const values = resolveValues(inputs, { seed: 'random', prompt: 'a red fox', steps: 12 });
  assert.equal(typeof values.seed, 'number');
  assert.ok(Number.isInteger(values.seed) && (values.seed as number) >= 0 && (values.seed as number) < 2 ** 50);
  assert.equal(values.cfg, 8, 'unset inputs keep the workflow value');
  const compiled = compilePrompt(prompt, inputs, values);
  assert.equal(compiled['6']?.inputs.text, 'a red fox');
  assert.equal(compiled['3']?.inputs.steps, 12);
  assert.equal(compiled['3']?.inputs.seed, values.seed);
  assert.deepEqual(compiled['3']?.inputs.model, ['4', 0]);
  assert.equal(prompt['6']?.inputs.text, 'beautiful scenery nature glass bottle landscape, , purple galaxy bottle,');
  assert.equal(compiled['8'], prompt['8'], 'untouched nodes are shared, not copied');
});

test('axes expand to cells in reading order, ranges are exact and oversized sweeps are refused before they are built', () => {
  const prompt = defaultWorkflowPrompt();
  const pool = twoBackendPool();
  const { inputs } = describeInputs(proposeInputs(prompt, pool), prompt, pool);
  const grid = expandAxes([{ input: 'cfg', range: { from: 6, to: 7, step: 0.5 } }, { input: 'steps', values: [10, 20, 30, 40] }], 'grid', inputs, 10_000);
  assert.ok(grid.ok);
  assert.equal(grid.count, 12);
  assert.deepEqual(grid.axes[0]?.values, [6, 6.5, 7]);
  assert.deepEqual(cellAt(grid.axes, 'grid', 0).coords, { cfg: 6, steps: 10 });
  assert.deepEqual(cellAt(grid.axes, 'grid', 5).coords, { cfg: 6.5, steps: 20 });
  assert.deepEqual(cellAt(grid.axes, 'grid', 11).coords, { cfg: 7, steps: 40 });
  const tenths = expandAxes([{ input: 'cfg', range: { from: 0.1, to: 0.3, step: 0.1 } }], 'grid', inputs, 100);
  assert.ok(tenths.ok);
  assert.deepEqual(tenths.axes[0]?.values, [0.1, 0.2, 0.3]);

  const zip = expandAxes([{ input: 'seed', random: 3 }, { input: 'steps', values: [1, 2, 3] }], 'zip', inputs, 100);
  assert.ok(zip.ok);
  assert.equal(zip.count, 3);
  assert.equal(new Set(zip.axes[0]?.values).size, 3);

  const tooBig = expandAxes([{ input: 'steps', range: { from: 1, to: 1e9, step: 1 } }], 'grid', inputs, 10_000);
  assert.ok(!tooBig.ok);
  assert.match(tooBig.problems[0]?.reason ?? '', /more than --max-sweep-runs/);
  const bad = expandAxes([{ input: 'nope', values: [1] }, { input: 'cfg', random: 2 }, { input: 'steps', values: [] }], 'grid', inputs, 100);
  assert.ok(!bad.ok);
  assert.deepEqual(bad.problems.map((p) => p.field), ['axes.0.input', 'axes.1.random', 'axes.2.values']);
  const uneven = expandAxes([{ input: 'cfg', values: [1, 2] }, { input: 'steps', values: [1, 2, 3] }], 'zip', inputs, 100);
  assert.ok(!uneven.ok);
});

test('a contact sheet has one labelled column per value of the last axis and one row per value of the first', async () => {
  const axes = [
    { input: 'cfg', values: [6, 7, 8] },
    { input: 'steps', values: [10, 20, 30, 40] },
  ];
  const layout = sheetLayout(axes, 'grid', 12, 64);
  assert.equal(layout.columns, 4);
  assert.equal(layout.rows, 3);
  assert.deepEqual(layout.columnLabels, ['steps=10', 'steps=20', 'steps=30', 'steps=40']);
  assert.deepEqual(layout.rowLabels, ['cfg=6', 'cfg=7', 'cfg=8']);
  const red = await sharp({ create: { width: 100, height: 50, channels: 3, background: '#ff0000' } }).png().toBuffer();
  const cells = Array.from({ length: 12 }, (_, i) => ({ coords: {}, status: i < 10 ? 'succeeded' : 'queued', load: async () => (i < 10 ? red : null) }));
  const png = await renderSheet(layout, cells);
  const meta = await sharp(png).metadata();
  assert.equal(meta.width, layout.rowHeaderWidth + 4 * (64 + SHEET_GAP) + SHEET_GAP);
  assert.equal(meta.height, SHEET_HEADER_HEIGHT + 3 * (64 + SHEET_GAP) + SHEET_GAP);
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const pixel = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
  const cellCenter = (index: number) => [layout.rowHeaderWidth + SHEET_GAP + (index % 4) * 68 + 32, SHEET_HEADER_HEIGHT + SHEET_GAP + Math.floor(index / 4) * 68 + 32] as const;
  assert.deepEqual(pixel(...cellCenter(0)), [255, 0, 0], 'a finished cell shows its picture');
  assert.notDeepEqual(pixel(...cellCenter(11).map((v, i) => (i === 1 ? v - 25 : v)) as [number, number]), [255, 0, 0], 'an unfinished cell is a placeholder');
  // Headers carry text: the header strip and the row header column are not blank.
  const header = await sharp(png).extract({ left: layout.rowHeaderWidth, top: 0, width: layout.width - layout.rowHeaderWidth, height: SHEET_HEADER_HEIGHT }).stats();
  assert.ok((header.channels[0]?.min ?? 255) < 128, 'column headers are drawn');
  const rowHeader = await sharp(png).extract({ left: 0, top: SHEET_HEADER_HEIGHT, width: layout.rowHeaderWidth, height: layout.height - SHEET_HEADER_HEIGHT }).stats();
  assert.ok((rowHeader.channels[0]?.min ?? 255) < 128, 'row headers are drawn');
});
