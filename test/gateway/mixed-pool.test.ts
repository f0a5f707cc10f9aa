/**
 * A pool of one ComfyUI 0.8.0 (the default backend) and one 0.33.0: the gateway's key scenarios
 * — versions detected, submit, WebSocket events, history, jobs, cancel, validation errors, node
 * replacements, /features, /system_stats, object_info — all answered as ComfyUI 0.33 answers them.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { TestApp } from '../helpers/app.js';
import { ComfyTestClient, eventually, getJson, postJson, simpleGraph } from '../helpers/comfy-client.js';
import type { FakeComfy } from '../fake-comfy/server.js';
import { backendArgs, backends, ranOn, startFakes, startGateway } from '../pool/pool-helpers.js';

const COMMON = ['EmptyImage', 'ImageInvert', 'SaveImage', 'PreviewImage', 'PreviewAny'];

interface Pool {
  readonly app: TestApp;
  readonly fakes: { readonly old: FakeComfy; readonly current: FakeComfy };
  readonly client: ComfyTestClient;
}

/**
 * `old` (0.8.0, first: the default backend) can also run ImageScaleToMaxDimension; `current`
 * (0.33.0) cannot, but registers the replacement ResizeImagesByLongerEdge → ImageScaleToMaxDimension.
 */
async function startPool(t: TestContext): Promise<Pool> {
  const fakes = await startFakes(t, {
    old: { comfyuiVersion: '0.8.0', nodeClasses: [...COMMON, 'ImageScaleToMaxDimension'] },
    current: { comfyuiVersion: '0.33.0', nodeClasses: COMMON },
  });
  const app = await startGateway(t, [...backendArgs(fakes), '--prefetch', '0'], { waitFor: ['old', 'current'] });
  // Versions come with the first /system_stats probe, replacements right after it.
  await eventually(async () => Object.keys(await getJson<Record<string, unknown>>(`${app.url}/node_replacements`)).length > 0, 10_000, 'node replacements read');
  const client = await ComfyTestClient.connect(app.wsUrl, 'mixed-client', { supports_preview_metadata: true });
  t.after(() => client.close());
  return { app, fakes, client };
}

test('mixed pool: each backend’s version is detected and shown; /features, /system_stats and /object_info answer as 0.33', async (t) => {
  const { app, fakes, client } = await startPool(t);
  const views = await backends(app);
  assert.deepEqual(
    views.map((v) => [v.name, (v as unknown as { comfyui_version: string }).comfyui_version]),
    [['old', '0.8.0'], ['current', '0.33.0']],
  );

  const features = await getJson<Record<string, unknown>>(`${app.url}/api/features`);
  assert.deepEqual(Object.keys(features), ['supports_preview_metadata', 'supports_model_type_tags', 'max_upload_size', 'extension', 'node_replacements', 'assets']);
  assert.equal(features['node_replacements'], true);
  assert.equal(features['assets'], false);
  const flags = client.frames.find((f) => f.type === 'feature_flags');
  assert.deepEqual(flags?.data, { supports_preview_metadata: true, supports_model_type_tags: true, max_upload_size: features['max_upload_size'], node_replacements: true, assets: false });

  const stats = await getJson<{ system: Record<string, unknown>; devices: Array<{ backend: string }> }>(`${app.url}/system_stats`);
  assert.equal(stats.system['comfyui_version'], '0.33.0', 'the API version the gateway speaks, though the default backend runs 0.8.0');
  assert.ok(Array.isArray(stats.system['comfy_package_versions']));
  assert.equal(typeof stats.system['deploy_environment'], 'string');
  assert.deepEqual(stats.devices.map((d) => d.backend), ['old', 'current'], 'every backend’s devices');

  const info = await getJson<Record<string, Record<string, unknown>>>(`${app.url}/object_info`);
  for (const name of ['EmptyImage', 'ImageScaleToMaxDimension']) {
    assert.equal(info[name]?.['is_input_list'], false, name);
    assert.equal(info[name]?.['has_intermediate_output'], false, name);
    assert.ok(Array.isArray(info[name]?.['search_aliases']), name);
  }
  // The assets API is off, as in a default 0.33 install, with its answer (no backend asked).
  const assets = await fetch(`${app.url}/api/assets`);
  assert.equal(assets.status, 503);
  assert.equal(((await assets.json()) as { error: { code: string } }).error.code, 'SERVICE_DISABLED');
  assert.ok(!fakes.old.control.received.requests.some((r) => r.path.startsWith('/api/assets')));
});

test('mixed pool: prompts run on either backend with the same events, history and 0.33 job fields', async (t) => {
  const { app, fakes, client } = await startPool(t);
  const ids: string[] = [];
  for (const color of [1, 2, 3, 4]) {
    const answer = await postJson(`${app.url}/prompt`, { prompt: simpleGraph(color, `mixed${color}`), client_id: client.clientId });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    ids.push((answer.body as { prompt_id: string }).prompt_id);
  }
  for (const id of ids) await client.waitForDone(id);
  assert.deepEqual(new Set(ids.map((id) => ranOn(fakes, id))), new Set(['old', 'current']), 'both backends ran prompts');
  for (const id of ids) {
    const types = client.framesOf(id).map((f) => f.type);
    assert.deepEqual([types[0], types.at(-1)], ['execution_start', 'executing'], id);
    assert.ok(types.includes('execution_success') && types.filter((x) => x === 'executed').length === 2, `${id}: ${types.join(',')}`);
    const history = await getJson<Record<string, { status: { status_str: string } }>>(`${app.url}/history/${id}`);
    assert.equal(history[id]?.status.status_str, 'success');
    const job = await getJson<Record<string, unknown>>(`${app.url}/api/jobs/${id}`);
    assert.equal(job['status'], 'completed');
    assert.equal(job['outputs_count'], 2);
    assert.equal(job['previewable_outputs_count'], 2);
  }
});

test('mixed pool: validation errors are 0.33’s whichever backend would have run the prompt', async (t) => {
  const { app } = await startPool(t);
  const unknown = await postJson(`${app.url}/prompt`, {
    prompt: { '1': { class_type: 'NoSuchNodeXYZ', inputs: {}, _meta: { title: 'My Missing Node' } }, '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } } },
  });
  assert.deepEqual(unknown, {
    status: 400,
    body: {
      error: {
        type: 'missing_node_type',
        message: "Node 'My Missing Node' not found. The custom node may not be installed.",
        details: "Node ID '#1'",
        extra_info: { node_id: '1', class_type: 'NoSuchNodeXYZ', node_title: 'My Missing Node' },
      },
      node_errors: {},
    },
  });
  const untyped = await postJson(`${app.url}/api/prompt`, { prompt: { '1': { inputs: {} } } });
  assert.equal((untyped.body as { error: { type: string } }).error.type, 'missing_node_type');

  const badId = await postJson(`${app.url}/prompt`, { prompt: simpleGraph(), prompt_id: 'NOT-A-UUID' });
  assert.equal(badId.status, 400);
  assert.equal((badId.body as { error: { type: string; message: string } }).error.type, 'invalid_prompt_id');
  assert.equal((badId.body as { error: { message: string } }).error.message, 'prompt_id must be a valid UUID');

  const cycle = await postJson(`${app.url}/prompt`, {
    prompt: {
      '2': { class_type: 'ImageInvert', inputs: { image: ['3', 0] } },
      '3': { class_type: 'ImageInvert', inputs: { image: ['2', 0] } },
      '4': { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'cyc' } },
    },
  });
  assert.equal(cycle.status, 400);
  const errors = (cycle.body as { node_errors: Record<string, { errors: Array<{ type: string; extra_info: { cycle_nodes: string[] } }> }> }).node_errors;
  assert.deepEqual(Object.keys(errors).sort(), ['2', '3']);
  assert.equal(errors['3']?.errors[0]?.type, 'dependency_cycle');
  assert.deepEqual(errors['3']?.errors[0]?.extra_info.cycle_nodes, ['3', '2']);
  assert.deepEqual(await getJson(`${app.url}/queue`), { queue_running: [], queue_pending: [] });
});

test('mixed pool: a replaced node class is rewritten before placement and runs on the 0.8 backend', async (t) => {
  const { app, fakes, client } = await startPool(t);
  const replacements = await getJson<Record<string, unknown>>(`${app.url}/api/node_replacements`);
  assert.ok('ResizeImagesByLongerEdge' in replacements);
  const answer = await postJson(`${app.url}/prompt`, {
    client_id: client.clientId,
    prompt: {
      '1': { class_type: 'EmptyImage', inputs: { width: 64, height: 32, batch_size: 1, color: 9 } },
      '2': { class_type: 'ResizeImagesByLongerEdge', inputs: { images: ['1', 0], longer_edge: 32 }, _meta: { title: 'Old resize' } },
      '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'replaced' } },
    },
  });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  const id = (answer.body as { prompt_id: string }).prompt_id;
  await client.waitForDone(id);
  assert.equal(ranOn(fakes, id), 'old', 'only the 0.8 backend has the successor class');
  const sent = fakes.old.control.received.prompts.find((p) => p.promptId === id)?.body as { prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }> };
  assert.deepEqual(sent.prompt['2'], {
    class_type: 'ImageScaleToMaxDimension',
    inputs: { image: ['1', 0], largest_size: 32, upscale_method: 'lanczos' },
    _meta: { title: 'Old resize' },
  });
  const history = await getJson<Record<string, { status: { status_str: string } }>>(`${app.url}/history/${id}`);
  assert.equal(history[id]?.status.status_str, 'success');
});

test('mixed pool: cancel running and pending jobs (single and batch) with {cancelled}; interrupted runs report cancelled', async (t) => {
  const { app, fakes, client } = await startPool(t);
  const stalls = [fakes.old.control.stall('ImageInvert'), fakes.current.control.stall('ImageInvert')];
  const submit = async (color: number): Promise<string> => {
    const answer = await postJson(`${app.url}/prompt`, { prompt: simpleGraph(color, `cancel${color}`), client_id: client.clientId });
    return (answer.body as { prompt_id: string }).prompt_id;
  };
  const [a, b] = [await submit(11), await submit(12)];
  await Promise.all(stalls.map((s) => s.reached));
  const waiting = await submit(13);
  assert.equal((await getJson<{ status: string }>(`${app.url}/api/jobs/${waiting}`)).status, 'pending');

  assert.deepEqual(await postJson(`${app.url}/api/jobs/${waiting}/cancel`, {}), { status: 200, body: { cancelled: true } });
  assert.deepEqual(await postJson(`${app.url}/api/jobs/${waiting}/cancel`, {}), { status: 200, body: { cancelled: false } }, 'idempotent');
  assert.deepEqual(await postJson(`${app.url}/api/jobs/${a}/cancel`, {}), { status: 200, body: { cancelled: true } });
  assert.deepEqual(await postJson(`${app.url}/api/jobs/cancel`, { job_ids: [b, '00000000-0000-4000-8000-000000000000'] }), { status: 200, body: { cancelled: true } });
  const refused = await postJson(`${app.url}/api/jobs/cancel`, { job_ids: ['not-a-uuid'] });
  assert.equal(refused.status, 400);
  for (const stall of stalls) stall.release();
  await client.waitForDone(a);
  await client.waitForDone(b);

  for (const id of [a, b]) {
    const types = client.framesOf(id).map((f) => f.type);
    assert.ok(types.includes('execution_interrupted'), `${id}: ${types.join(',')}`);
    assert.equal((await getJson<{ status: string }>(`${app.url}/api/jobs/${id}`)).status, 'cancelled');
  }
  const cancelled = await getJson<{ jobs: Array<{ id: string }> }>(`${app.url}/api/jobs?status=cancelled`);
  assert.deepEqual(new Set(cancelled.jobs.map((j) => j.id)), new Set([a, b, waiting]));
  assert.ok(!fakes.old.control.received.prompts.some((p) => p.promptId === waiting) && !fakes.current.control.received.prompts.some((p) => p.promptId === waiting), 'the cancelled pending job never ran');
  assert.deepEqual(await postJson(`${app.url}/api/jobs/${a}/cancel`, {}), { status: 200, body: { cancelled: false } }, 'finished: a no-op');
});

test('mixed pool: the Comfy-Usage-Source header lands in extra_data (the body’s value wins)', async (t) => {
  const { app, client } = await startPool(t);
  const post = async (extra: Record<string, unknown>, header?: string): Promise<string> => {
    const response = await fetch(`${app.url}/prompt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(header !== undefined && { 'Comfy-Usage-Source': header }) },
      body: JSON.stringify({ prompt: simpleGraph(Math.floor(Math.random() * 1e6), 'usage'), client_id: client.clientId, extra_data: extra }),
    });
    return ((await response.json()) as { prompt_id: string }).prompt_id;
  };
  const [fromHeader, fromBody, empty] = [await post({}, 'gateway-test'), await post({ comfy_usage_source: 'from-body' }, 'gateway-test'), await post({}, '')];
  for (const id of [fromHeader, fromBody, empty]) await client.waitForDone(id);
  const usage = async (id: string) => {
    const entry = (await getJson<Record<string, { prompt: [number, string, unknown, Record<string, unknown>] }>>(`${app.url}/history/${id}`))[id];
    return entry?.prompt[3]['comfy_usage_source'];
  };
  assert.equal(await usage(fromHeader), 'gateway-test');
  assert.equal(await usage(fromBody), 'from-body');
  assert.equal(await usage(empty), undefined);
});
