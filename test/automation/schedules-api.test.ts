import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { eventually } from '../helpers/comfy-client.js';
import { DEAD_BACKEND, graph, request } from '../events/helpers.js';

interface ScheduleView {
  id: string;
  status: string;
  paused: boolean;
  next_fire_times: string[];
  fires: { slot_time: string; status: string; prompt_id?: string }[];
}

test('a schedule made over HTTP fires a raw prompt through the queue; GET shows its next slots and the prompts it made', async (t) => {
  const app = await startTestApp(['--comfyui', DEAD_BACKEND]);
  t.after(() => app.close());
  // Every second (croner's six-field form): the one place a test waits for a real slot.
  const created = await request<ScheduleView>('POST', `${app.url}/automa/schedules`, { name: 'tick', prompt: graph(3), cron: '* * * * * *', timezone: 'Europe/Paris' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.status, 'active');
  assert.equal(created.body.next_fire_times.length, 5);
  const id = created.body.id;

  let view: ScheduleView | undefined;
  await eventually(async () => {
    view = (await request<ScheduleView>('GET', `${app.url}/automa/schedules/${id}`)).body;
    return view.fires.some((f) => f.status === 'fired');
  }, 10_000, 'a fired slot');
  const fired = view?.fires.find((f) => f.status === 'fired');
  assert.ok(fired?.prompt_id);
  const job = await request<{ id: string; status: string }>('GET', `${app.url}/api/jobs/${fired.prompt_id}`);
  assert.equal(job.status, 200, 'the slot’s prompt is in the queue');

  const paused = await request<ScheduleView>('PATCH', `${app.url}/automa/schedules/${id}`, { paused: true });
  assert.equal(paused.body.status, 'paused');
  assert.deepEqual(paused.body.next_fire_times, []);
  const resumed = await request<ScheduleView>('PATCH', `${app.url}/automa/schedules/${id}`, { paused: false });
  assert.equal(resumed.body.status, 'active');
  assert.equal((await request('DELETE', `${app.url}/automa/schedules/${id}`)).status, 204);
  assert.equal((await request('GET', `${app.url}/automa/schedules/${id}`)).status, 404);
});

test('bad schedules are 400s naming the field, and nothing is stored', async (t) => {
  const app = await startTestApp(['--comfyui', DEAD_BACKEND]);
  t.after(() => app.close());
  const prompt = graph(1);
  const cases: [Record<string, unknown>, string][] = [
    [{ prompt, cron: 'every day' }, 'cron'],
    [{ prompt, cron: '0 9 * * *', at: '2031-01-01T00:00:00Z' }, 'cron'],
    [{ prompt }, 'cron'],
    [{ prompt, cron: '0 9 * * *', timezone: 'Mars/Olympus' }, 'timezone'],
    [{ prompt, at: '2001-01-01T00:00:00Z' }, 'at'],
    [{ prompt, at: 'tomorrow' }, 'at'],
    [{ cron: '0 9 * * *' }, 'app'],
    [{ prompt, app: 'a', cron: '0 9 * * *' }, 'app'],
    [{ app: 'my-app', inputs: {}, cron: '0 9 * * *' }, 'app'],
    [{ prompt: {}, cron: '0 9 * * *' }, 'prompt'],
    [{ prompt, inputs: { a: 1 }, cron: '0 9 * * *' }, 'inputs'],
    [{ prompt, cron: '0 9 * * *', cronn: 'x' }, 'cronn'],
  ];
  for (const [body, field] of cases) {
    const response = await request<{ error: { extra_info: { field: string } } }>('POST', `${app.url}/automa/schedules`, body);
    assert.equal(response.status, 400, JSON.stringify(body));
    assert.equal(response.body.error.extra_info.field, field, JSON.stringify(body));
  }
  assert.equal((await request('POST', `${app.url}/automa/schedules`, { prompt, cron: '0 9 * * *', missed: 'later' })).status, 400);
  assert.deepEqual((await request('GET', `${app.url}/automa/schedules`)).body, { schedules: [] });
});
