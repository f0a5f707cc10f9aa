import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertWorkflow, type ApiPrompt, type ConvertResult } from '../../../src/automation/convert/index.js';
import { loadObjectInfo, loadPairs, pairWorkflow, promotedBlur } from './helpers.js';

/* Hand-made cases for the frontend rules the shared pairs do not cover, each asserting what graphToPrompt gives. */

const objectInfo = loadObjectInfo();
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function promptOf(result: ConvertResult): ApiPrompt {
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  return JSON.parse(JSON.stringify(result.prompt)) as ApiPrompt;
}

const expected = (prefix: string): Json => structuredClone(loadPairs().find((p) => p.file.startsWith(prefix))!.expected) as Json;

/** What Export writes (compressWidgetInputSlots): unlinked, unlabelled widget sockets dropped, target_slot renumbered. */
function exported(workflow: Json): Json {
  const copy = structuredClone(workflow);
  const compress = (nodes: Json[], links: Json[], objectLinks: boolean) => {
    for (const node of nodes) {
      node.inputs = (node.inputs ?? []).filter((input: Json) => !(input.widget && input.link === null && !input.label));
      for (const input of node.inputs) delete input.localized_name;
      node.inputs.forEach((input: Json, index: number) => {
        const link = links.find((l) => (objectLinks ? l.id : l[0]) === input.link);
        if (link && objectLinks) link.target_slot = index;
        else if (link) link[4] = index;
      });
    }
  };
  compress(copy.nodes, copy.links, false);
  for (const subgraph of copy.definitions?.subgraphs ?? []) compress(subgraph.nodes, subgraph.links, true);
  copy.extra = { ...copy.extra, frontendVersion: '1.35.9' };
  return copy;
}

test('the exported (slot-compressed) shape converts like the saved one', () => {
  for (const prefix of ['05', '06', '07', '13', '19']) {
    const workflow = exported(pairWorkflow(prefix));
    assert.deepEqual(promptOf(convertWorkflow(workflow, objectInfo)), expected(prefix), prefix);
  }
  // Compression moved link 4 (GetImageSize → ImageScale.width) from slot 2 to slot 1.
  assert.equal(exported(pairWorkflow('06')).links.find((l: number[]) => l[0] === 4)[4], 1);
});

test('bypasses chain, and a bypassed node with only its second input linked passes nothing', () => {
  const chain = pairWorkflow('13') as Json;
  chain.nodes.find((n: Json) => n.id === 3).mode = 4; // ImageInvert too: PreviewImage reaches EmptyImage
  const prompt = promptOf(convertWorkflow(chain, objectInfo));
  assert.deepEqual(Object.keys(prompt).sort(), ['1', '5']);
  assert.deepEqual(prompt['5']!.inputs, { images: ['1', 0] });

  // ImageBlur gets replaced by a bypassed ImageBatch fed on image2 only: input 0 is preferred and empty.
  const batch = pairWorkflow('13') as Json;
  const blur = batch.nodes.find((n: Json) => n.id === 2);
  Object.assign(blur, { type: 'ImageBatch', widgets_values: [], inputs: [{ name: 'image1', type: 'IMAGE', link: null }, { name: 'image2', type: 'IMAGE', link: 1 }] });
  batch.links[0][4] = 1;
  const bypassed = promptOf(convertWorkflow(batch, objectInfo));
  assert.deepEqual(bypassed['3']!.inputs, {});
});

test('one primitive feeds every widget it is linked to, even when muted; its own saved targets are stale', () => {
  const workflow = pairWorkflow('07') as Json;
  const size = workflow.nodes.find((n: Json) => n.id === 4);
  size.widgets_values = [300, 'fixed'];
  size.mode = 2;
  const prompt = promptOf(convertWorkflow(workflow, objectInfo));
  assert.equal(prompt['1']!.inputs.width, 300);
  assert.equal(prompt['2']!.inputs.width, 300);
  assert.equal(prompt['1']!.inputs.height, 128);
  assert.ok(!('4' in prompt) && !('5' in prompt), 'primitives are never emitted');
});

test('nested subgraphs get one id level per instance, and two instances get separate ids', () => {
  const base = pairWorkflow('19') as Json;
  const inner = base.definitions.subgraphs[0];
  const outer = {
    id: 'outer-0000', version: 1, name: 'Outer', nodes: [{ ...structuredClone(base.nodes.find((n: Json) => n.id === 5)), id: 7 }],
    links: [
      { id: 1, origin_id: -10, origin_slot: 0, target_id: 7, target_slot: 0, type: 'IMAGE' },
      { id: 2, origin_id: 7, origin_slot: 0, target_id: -20, target_slot: 0, type: 'IMAGE' },
    ],
    inputs: [{ name: 'image', type: 'IMAGE', linkIds: [1] }],
    outputs: [{ name: 'IMAGE', type: 'IMAGE', linkIds: [2] }],
  };
  outer.nodes[0].inputs[0].link = 1;
  const workflow: Json = { ...base, definitions: { subgraphs: [inner, outer] } };
  const instance = workflow.nodes.find((n: Json) => n.id === 5);
  instance.id = 9;
  instance.type = 'outer-0000';
  workflow.links = [[4, 1, 0, 9, 0, 'IMAGE'], [5, 9, 0, 4, 0, 'IMAGE']];
  const prompt = promptOf(convertWorkflow(workflow, objectInfo));
  assert.deepEqual(Object.keys(prompt).sort(), ['1', '4', '9:7:2', '9:7:3']);
  assert.deepEqual(prompt['9:7:2']!.inputs, { image: ['1', 0] });
  assert.deepEqual(prompt['9:7:3']!.inputs, { blur_radius: 3, sigma: 1.5, image: ['9:7:2', 0] });
  assert.deepEqual(prompt['4']!.inputs.images, ['9:7:3', 0]);

  const twice = pairWorkflow('19') as Json;
  twice.nodes.push({ ...structuredClone(twice.nodes.find((n: Json) => n.id === 5)), id: 6, inputs: [{ name: 'image', type: 'IMAGE', link: 6 }] });
  twice.links.push([6, 1, 0, 6, 0, 'IMAGE']);
  const both = promptOf(convertWorkflow(twice, objectInfo));
  assert.deepEqual(both['6:3']!.inputs.image, ['6:2', 0]);
  assert.deepEqual(both['5:3']!.inputs.image, ['5:2', 0]);
});

test('a widget promoted through a subgraph input takes the instance\'s value; a link into the instance wins', () => {
  const workflow = promotedBlur();
  assert.equal(promptOf(convertWorkflow(workflow, objectInfo))['5:3']!.inputs.blur_radius, 7);
  // Drive the instance's input from a PrimitiveInt instead.
  workflow.nodes.push({ id: 8, type: 'PrimitiveInt', mode: 0, inputs: [], outputs: [{ name: 'INT', type: 'INT', links: [9] }], widgets_values: [5, 'fixed'] });
  workflow.nodes.find((n: Json) => n.id === 5).inputs[1].link = 9;
  workflow.links.push([9, 8, 0, 5, 1, 'INT']);
  assert.deepEqual(promptOf(convertWorkflow(workflow, objectInfo))['5:3']!.inputs.blur_radius, ['8', 0]);
});

test('prompt text: comments stripped and {a|b} chosen in dynamic-prompt widgets only', () => {
  const workflow = pairWorkflow('01') as Json;
  workflow.nodes.find((n: Json) => n.id === 6).widgets_values = ['a {red|{dark|light} blue} ball /* hidden */ \\{x\\} // tail\nnext'];
  workflow.nodes.find((n: Json) => n.id === 9).widgets_values = ['{keep|this} // too'];
  const first = promptOf(convertWorkflow(workflow, objectInfo, { random: () => 0 }));
  assert.equal(first['6']!.inputs.text, 'a red ball  {x} \nnext');
  const last = promptOf(convertWorkflow(workflow, objectInfo, { random: () => 0.99 }));
  assert.equal(last['6']!.inputs.text, 'a light blue ball  {x} \nnext');
  assert.equal(first['9']!.inputs.filename_prefix, '{keep|this} // too');
});

test('filename_prefix: %Node.widget% by S&R name or title, %date:…%, unknowns kept', () => {
  const workflow = pairWorkflow('01') as Json;
  workflow.nodes.find((n: Json) => n.id === 9).widgets_values = ['%KSampler.seed%/%Load Checkpoint.ckpt_name%_%date:yyyy-MM-dd%_%width%_%Nope.x%'];
  const now = () => new Date(2026, 0, 2, 3, 4, 5);
  const prompt = promptOf(convertWorkflow(workflow, objectInfo, { now }));
  assert.equal(prompt['9']!.inputs.filename_prefix, '156680208700286/v1-5-pruned-emaonly-fp16.safetensors_2026-01-02_%width%_%Nope.x%');
  workflow.nodes.find((n: Json) => n.id === 4).widgets_values = ['sd/xl:1.safetensors'];
  assert.match(String(promptOf(convertWorkflow(workflow, objectInfo, { now }))['9']!.inputs.filename_prefix), /\/sd_xl_1\.safetensors_/);
});

test('load-time patches and defaults: legacy sampler names, array values wrapped', () => {
  const workflow = pairWorkflow('01') as Json;
  workflow.nodes.find((n: Json) => n.id === 3).widgets_values = [1, 'fixed', 20, 8, 'sample_euler', 'normal', 1];
  workflow.nodes.find((n: Json) => n.id === 5).widgets_values = [[512, 768]];
  const prompt = promptOf(convertWorkflow(workflow, objectInfo));
  assert.equal(prompt['3']!.inputs.sampler_name, 'euler');
  assert.deepEqual(prompt['5']!.inputs, { width: { __value__: [512, 768] }, height: 512, batch_size: 1 });
});

test('API prompts pass through; bad ones and malformed graphs list every problem', () => {
  const api = expected('01');
  const passed = convertWorkflow(api, objectInfo);
  assert.ok(passed.ok && passed.format === 'api');
  api['8'].inputs.samples = ['77', 0];
  api['4'].class_type = 'Nope';
  const failed = convertWorkflow(api, objectInfo);
  assert.ok(!failed.ok);
  assert.deepEqual(failed.problems.map((p) => p.code).sort(), ['MISSING_NODE', 'UNKNOWN_NODE_CLASS']);

  const graph = pairWorkflow('01') as Json;
  graph.nodes.find((n: Json) => n.id === 7).type = 'Missing1';
  graph.nodes.find((n: Json) => n.id === 5).type = 'Missing2';
  graph.nodes.find((n: Json) => n.id === 8).mode = 4;
  graph.nodes.find((n: Json) => n.id === 8).type = 'MissingButBypassed';
  const broken = convertWorkflow(graph, objectInfo);
  assert.ok(!broken.ok);
  assert.deepEqual(broken.problems.map((p) => p.class_type).sort(), ['Missing1', 'Missing2']);
});

test('hostile input fails cleanly: self-containing subgraphs, link loops, deep {}, huge graphs, odd shapes', () => {
  const looping = pairWorkflow('19') as Json;
  looping.definitions.subgraphs[0].nodes.push({ id: 4, type: looping.definitions.subgraphs[0].id, inputs: [], outputs: [] });
  assertProblem(convertWorkflow(looping, objectInfo), 'CYCLE');

  const reroutes = pairWorkflow('10') as Json;
  const reroute = reroutes.nodes.find((n: Json) => n.type === 'Reroute');
  reroutes.links.push([99, reroute.id, 0, reroute.id, 0, '*']);
  reroute.inputs[0].link = 99;
  assertProblem(convertWorkflow(reroutes, objectInfo), 'CYCLE');

  const deep = pairWorkflow('01') as Json;
  deep.nodes.find((n: Json) => n.id === 6).widgets_values = ['{'.repeat(100_000)];
  assertProblem(convertWorkflow(deep, objectInfo), 'TOO_LARGE');

  const huge = { version: 0.4, links: [], nodes: Array.from({ length: 10_001 }, (_, id) => ({ id, type: 'Note' })) };
  assertProblem(convertWorkflow(huge, objectInfo), 'TOO_LARGE');

  assertProblem(convertWorkflow({ version: 0.4, nodes: 'x', links: [] }, objectInfo), 'INVALID_SHAPE');
  assertProblem(convertWorkflow({ version: 0.4, nodes: [{ id: {}, type: 'X' }, null], links: [[1]] }, objectInfo), 'INVALID_SHAPE');
  assertProblem(convertWorkflow([], objectInfo), 'INVALID_SHAPE');
  assertProblem(convertWorkflow({ ...pairWorkflow('01'), version: '0.4' }, objectInfo), 'UNSUPPORTED_VERSION');
  const inherited = pairWorkflow('01') as Json;
  inherited.nodes[0].type = 'constructor';
  assertProblem(convertWorkflow(inherited, objectInfo), 'UNKNOWN_NODE_CLASS');
  const legacy = pairWorkflow('01') as Json;
  legacy.nodes[0].type = 'workflow>My group';
  assertProblem(convertWorkflow(legacy, objectInfo), 'UNSUPPORTED_NODE');
  const polluted = JSON.parse('{"version":0.4,"links":[],"nodes":[{"id":1,"type":"EmptyImage","widgets_values":{"__proto__":{"x":1},"width":9}}]}') as Json;
  assert.equal(promptOf(convertWorkflow(polluted, objectInfo))['1']!.inputs.width, 9);
  assert.equal(({} as Json).x, undefined);
});

test('a 200-node workflow converts in one pass (every node and link present)', () => {
  const nodes: Json[] = [{ id: 1, type: 'EmptyImage', widgets_values: [8, 8, 1, 0], inputs: [] }];
  const links: unknown[] = [];
  for (let id = 2; id <= 200; id++) {
    nodes.push({ id, type: id % 3 === 0 ? 'Reroute' : 'ImageInvert', inputs: [{ name: id % 3 === 0 ? '' : 'image', type: 'IMAGE', link: id }] });
    links.push([id, id - 1, 0, id, 0, 'IMAGE']);
  }
  const prompt = promptOf(convertWorkflow({ version: 0.4, nodes, links }, objectInfo));
  assert.equal(Object.keys(prompt).length, 1 + 199 - 66);
  assert.deepEqual(prompt['200']!.inputs.image, ['199', 0]);
  assert.deepEqual(prompt['4']!.inputs.image, ['2', 0], 'through reroute 3');
});

function assertProblem(result: ConvertResult, code: string): void {
  assert.ok(!result.ok, 'expected a failure');
  assert.ok(result.problems.some((p) => p.code === code), `expected ${code}, got ${JSON.stringify(result.problems)}`);
}
