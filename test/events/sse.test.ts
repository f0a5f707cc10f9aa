import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { eventually } from '../helpers/comfy-client.js';
import { DEAD_BACKEND, graph, openSse, request, type EventBody } from './helpers.js';

async function submit(app: TestApp, color: number): Promise<string> {
  const { status, body } = await request<{ prompt_id: string }>('POST', `${app.url}/prompt`, { prompt: graph(color), client_id: 'sse' });
  assert.equal(status, 200);
  return body.prompt_id;
}

/** Every prompt event in the log so far, read as a resuming client would (since=0). */
async function wholeLog(app: TestApp, count: number): Promise<EventBody[]> {
  const all = await openSse(`${app.url}/automa/events?since=0&types=prompt.*`);
  await all.waitFor((events) => events.length >= count, `${count} events`);
  all.close();
  return all.bodies();
}

test('each prompt change is one event: id, type and the {id, type, timestamp, data} body, live and filtered', async (t) => {
  const app = await startTestApp(['--comfyui', DEAD_BACKEND]);
  t.after(() => app.close());
  const stream = await openSse(`${app.url}/automa/events?types=prompt.*`);
  t.after(() => stream.close());
  assert.equal(stream.status, 200);
  assert.match(String(stream.headers['content-type']), /^text\/event-stream/);

  const first = await submit(app, 1);
  const second = await submit(app, 2);
  assert.equal((await request('POST', `${app.url}/queue`, { delete: [first] })).status, 200);
  await stream.waitFor((events) => events.length === 3);

  assert.deepEqual(stream.events.map((e) => e.event), ['prompt.queued', 'prompt.queued', 'prompt.cancelled']);
  const bodies = stream.bodies();
  assert.deepEqual(bodies.map((b) => b.data.prompt_id), [first, second, first]);
  for (const [i, event] of stream.events.entries()) {
    const body = bodies[i];
    assert.ok(body);
    assert.equal(event.id, String(body.id), 'the SSE id is the event id');
    assert.equal(body.type, event.event);
    assert.ok(!Number.isNaN(Date.parse(body.timestamp)));
  }
  assert.ok(bodies[0] && bodies[1] && bodies[0].id < bodies[1].id, 'ids grow');
  assert.equal(bodies[2]?.data.status, 'cancelled');

  const onlyOne = await openSse(`${app.url}/automa/events?since=0&prompt=${second}`);
  t.after(() => onlyOne.close());
  await onlyOne.waitFor((events) => events.length === 1);
  assert.equal(onlyOne.bodies()[0]?.data.prompt_id, second);
});

test('resuming after a dropped connection yields exactly the missed events, then live ones: no gap, no repeat', async (t) => {
  const app = await startTestApp(['--comfyui', DEAD_BACKEND]);
  t.after(() => app.close());
  const first = await openSse(`${app.url}/automa/events?types=prompt.*`);
  for (let i = 0; i < 3; i++) await submit(app, i);
  await first.waitFor((events) => events.length === 3);
  first.close();
  await first.ended;
  const lastSeen = first.events.at(-1)?.id;
  assert.ok(lastSeen);

  // Missed while disconnected.
  for (let i = 3; i < 8; i++) await submit(app, i);
  const resumed = await openSse(`${app.url}/automa/events?types=prompt.*`, { 'last-event-id': lastSeen });
  t.after(() => resumed.close());
  await resumed.waitFor((events) => events.length === 5, 'the five missed events');
  // And live ones after the replay, on the same stream.
  for (let i = 8; i < 10; i++) await submit(app, i);
  await resumed.waitFor((events) => events.length === 7, 'two live events');

  const log = await wholeLog(app, 10);
  assert.deepEqual(
    [...first.bodies(), ...resumed.bodies()].map((b) => b.id),
    log.map((b) => b.id),
    'the two connections together saw the whole log once, in order',
  );
  // ?since= works the same way.
  const bySince = await openSse(`${app.url}/automa/events?types=prompt.*&since=${lastSeen}`);
  t.after(() => bySince.close());
  await bySince.waitFor((events) => events.length === 7);
  assert.deepEqual(bySince.bodies().map((b) => b.id), resumed.bodies().map((b) => b.id));
});

test('a resume racing a burst of appends still sees every event once', async (t) => {
  const app = await startTestApp(['--comfyui', DEAD_BACKEND]);
  t.after(() => app.close());
  const burst = Array.from({ length: 40 }, (_, i) => submit(app, i));
  // Connect while the burst is being written: part comes from the log, part live.
  const stream = await openSse(`${app.url}/automa/events?since=0&types=prompt.queued`);
  t.after(() => stream.close());
  await Promise.all(burst);
  await stream.waitFor((events) => events.length >= 40);
  const ids = stream.bodies().map((b) => b.id);
  assert.equal(new Set(ids).size, ids.length, 'no repeat');
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'in order');
  assert.deepEqual(ids, (await wholeLog(app, 40)).map((b) => b.id), 'no gap');
});

test('an idle stream gets heartbeat comments', async (t) => {
  const app = await startTestApp(['--comfyui', DEAD_BACKEND, '--sse-heartbeat', '20']);
  t.after(() => app.close());
  const idle = await openSse(`${app.url}/automa/events`);
  t.after(() => idle.close());
  await eventually(() => idle.comments.filter((c) => c === 'heartbeat').length >= 2, 5_000, 'two heartbeats');
});

test('bad filters and resume points are 400s naming the field', async (t) => {
  const app = await startTestApp(['--comfyui', DEAD_BACKEND]);
  t.after(() => app.close());
  const types = await request<{ error: { extra_info: { field: string } } }>('GET', `${app.url}/automa/events?types=run.*,Not A Type`);
  assert.equal(types.status, 400);
  assert.equal(types.body.error.extra_info.field, 'types');
  const since = await request<{ error: { extra_info: { field: string } } }>('GET', `${app.url}/automa/events?since=abc`);
  assert.equal(since.status, 400);
  assert.equal(since.body.error.extra_info.field, 'since');
  const header = await request<{ error: { extra_info: { field: string } } }>('GET', `${app.url}/automa/events`, undefined, { 'last-event-id': '-1' });
  assert.equal(header.status, 400);
  assert.equal(header.body.error.extra_info.field, 'Last-Event-ID');
});

test('with API keys an event stream needs one: Bearer, or ?token= (EventSource cannot set headers)', async (t) => {
  const key = 'k'.repeat(32);
  const app = await startTestApp(['--comfyui', DEAD_BACKEND, '--api-key', key]);
  t.after(() => app.close());
  assert.equal((await request('GET', `${app.url}/automa/events`)).status, 401);
  assert.equal((await request('GET', `${app.url}/automa/events?token=wrong-${key}`)).status, 401);
  const bearer = await openSse(`${app.url}/automa/events`, { authorization: `Bearer ${key}` });
  t.after(() => bearer.close());
  assert.equal(bearer.status, 200);
  const token = await openSse(`${app.url}/automa/events?token=${key}`);
  t.after(() => token.close());
  assert.equal(token.status, 200);
  // ?token= is for event streams only.
  assert.equal((await request('GET', `${app.url}/automa/webhooks?token=${key}`)).status, 401);
});
