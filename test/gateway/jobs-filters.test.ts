/**
 * GET /api/jobs's own filters beside ComfyUI's (app, backend, created_from/created_before,
 * text): each narrows the list and its total, they combine, and a bad one is a 400 naming it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CHECKPOINT, call, importDefaultApp, type ErrorReply } from '../automation/helpers.js';
import { startFakeComfy } from '../fake-comfy/server.js';
import { ComfyTestClient, eventually, getJson, postJson } from '../helpers/comfy-client.js';
import { startGateway } from '../pool/pool-helpers.js';

interface Job {
  id: string;
  status: string;
  create_time: number;
}
interface JobList {
  jobs: Job[];
  pagination: { total: number; has_more: boolean };
}

const graph = (prefix: string) => ({
  '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 1 } },
  '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: prefix } },
});

test('/api/jobs filters by app, backend, creation time and text in the inputs, together or alone; bad values are 400s naming the parameter', async (t) => {
  const fakes = await Promise.all([startFakeComfy({ models: { checkpoints: [DEFAULT_CHECKPOINT] } }), startFakeComfy({ models: { checkpoints: [DEFAULT_CHECKPOINT] } })]);
  for (const fake of fakes) t.after(() => fake.close());
  const app = await startGateway(t, ['--comfyui', `a=${fakes[0].url}`, '--comfyui', `b=${fakes[1].url}`], { waitFor: ['a', 'b'] });
  const client = await ComfyTestClient.connect(app.wsUrl, 'filters');
  t.after(() => client.close());
  const drain = async (name: string, draining: boolean) => assert.equal((await call(`${app.url}/automa/backends/${name}`, 'PATCH', { draining })).status, 200);
  const submit = async (prefix: string): Promise<string> => {
    const reply = await postJson(`${app.url}/prompt`, { prompt: graph(prefix), client_id: 'filters' });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const id = (reply.body as { prompt_id: string }).prompt_id;
    await client.waitForDone(id);
    return id;
  };

  // On a: two sunsets; then on b: a forest, and an app run whose prompt names a fox.
  await drain('b', true);
  const sunset1 = await submit('Sunset_Beach');
  const sunset2 = await submit('sunset_hills');
  await drain('b', false);
  await drain('a', true);
  const forest = await submit('Forest');
  const { id: appId } = await importDefaultApp(app.url);
  const run = await call<{ prompt_id: string }>(`${app.url}/automa/apps/${appId}/runs`, 'POST', { inputs: { prompt: 'A Red FOX in the snow', seed: 7 }, client_id: 'filters' });
  assert.equal(run.status, 201, JSON.stringify(run.body));
  const fox = run.body.prompt_id;
  await eventually(async () => (await getJson<{ status: string }>(`${app.url}/api/jobs/${fox}`)).status === 'completed', 10_000, 'the run finished');

  const list = (query: string) => getJson<JobList>(`${app.url}/api/jobs?${query}`);
  const ids = async (query: string) => {
    const answer = await list(query);
    assert.equal(answer.pagination.total, answer.jobs.length, `${query}: the total counts the filtered jobs`);
    return answer.jobs.map((job) => job.id);
  };

  const all = await list('');
  assert.deepEqual(all.jobs.map((j) => j.id), [fox, forest, sunset2, sunset1], 'no filter: every job, as ComfyUI lists them');
  assert.deepEqual(await ids(`app=${appId}`), [fox]);
  assert.deepEqual(await ids('app=no-such-app'), []);
  assert.deepEqual(await ids('backend=a'), [sunset2, sunset1]);
  assert.deepEqual(await ids('backend=b'), [fox, forest]);
  assert.deepEqual(await ids('text=SUNSET'), [sunset2, sunset1], 'case-insensitive, in an input value');
  assert.deepEqual(await ids('text=red%20fox'), [fox], 'the run’s prompt text');
  assert.deepEqual(await ids('text=SaveImage'), [], 'class names are not input values');
  assert.deepEqual(await ids('text=sunset&backend=b'), [], 'filters combine');
  assert.deepEqual(await ids('text=sunset&status=completed&sort_order=asc'), [sunset1, sunset2], "with ComfyUI's status and order");

  // Creation time: from is inclusive, before exclusive; expected sets come from the times themselves.
  const times = new Map(all.jobs.map((j) => [j.id, j.create_time]));
  const from = times.get(forest) ?? 0;
  const expectFrom = all.jobs.filter((j) => j.create_time >= from).map((j) => j.id);
  assert.deepEqual(await ids(`created_from=${from}`), expectFrom);
  assert.ok(expectFrom.includes(forest) && !expectFrom.includes(sunset1));
  const expectBefore = all.jobs.filter((j) => j.create_time < from).map((j) => j.id);
  assert.deepEqual(await ids(`created_before=${from}`), expectBefore);
  assert.ok(!expectBefore.includes(forest) && expectBefore.includes(sunset1));
  const paged = await list(`created_from=0&created_before=${Date.now() + 60_000}&limit=1`);
  assert.deepEqual({ n: paged.jobs.length, total: paged.pagination.total, more: paged.pagination.has_more }, { n: 1, total: 4, more: true });

  const refused = async (query: string, names: RegExp) => {
    const reply = await call<ErrorReply>(`${app.url}/api/jobs?${query}`, 'GET');
    assert.equal(reply.status, 400, query);
    assert.match(`${reply.body.error.message} ${reply.body.error.details}`, names, query);
  };
  await refused('created_from=yesterday', /created_from/);
  await refused('created_before=-1', /created_before/);
  await refused(`created_from=${from}&created_before=${from}`, /created_before: must be later than created_from/);
  await refused('text=', /text/);
  await refused(`backend=${'x'.repeat(201)}`, /backend/);
  await refused('app=', /app/);
});
