import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { startTestApp } from '../helpers/app.js';
import { dereferenced, fetchDocument } from './openapi-helpers.js';

/**
 * Routes called into each status they answer: every status seen must be documented, with a body
 * that fits the documented schema; and every status a covered operation documents must have been
 * seen (a documented status no call can produce is a lie), except where PARTIAL says why not.
 */
const PARTIAL: Readonly<Record<string, string>> = {
  'GET /automa/ready': '200 needs a reachable backend',
  'DELETE /automa/backends/{name}': '202 needs a backend running a prompt',
  'GET /comfyui/{*}': 'the backend answering, or timing out, needs a live or stalled ComfyUI (test/proxy/)',
  'GET /system_stats': '200 needs a backend that answers (test/pool/info.test.ts)',
  'POST /automa/convert': "200 needs a backend's object_info (test/api/convert.test.ts)",
  'GET /view': 'files and ranges are covered by test/files/view.test.ts',
  'GET /automa/events': 'the 200 is an endless stream (test/events/sse.test.ts)',
};

interface Call {
  readonly op: string;
  readonly url?: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

test('each status a route answers is documented with its body, and each documented status is reachable', async (t) => {
  const app = await startTestApp(['--webhook-allow-private', '--max-json-body-size', '0.01', '--max-upload-size', '0.05']);
  t.after(() => app.close());
  const http = app.app.http;
  const doc = await dereferenced(await fetchDocument(http));
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  const seen = new Map<string, Set<string>>();
  const problems: string[] = [];

  /** Call `op` (its documented path filled from `url`), expect `status`; returns the parsed JSON body. */
  const call = async (status: number, c: Call): Promise<Record<string, unknown>> => {
    const [method = '', path = ''] = c.op.split(' ');
    const response = await http.inject({
      method: method as 'GET',
      url: c.url ?? path,
      headers: { ...(c.body !== undefined && typeof c.body !== 'string' && { 'content-type': 'application/json' }), ...c.headers },
      ...(c.body !== undefined && { payload: typeof c.body === 'string' ? c.body : JSON.stringify(c.body) }),
    });
    const label = `${c.op} (${c.url ?? path}) → ${response.statusCode}`;
    assert.equal(response.statusCode, status, `${label}: ${response.body.slice(0, 300)}`);
    if (!seen.has(c.op)) seen.set(c.op, new Set());
    seen.get(c.op)?.add(String(status));
    const documented = doc.paths[path]?.[method.toLowerCase()]?.responses;
    const entry = documented?.[String(status)] ?? documented?.default;
    if (entry === undefined) {
      problems.push(`${label} is not documented (documented: ${Object.keys(documented ?? {}).join(', ')})`);
      return {};
    }
    const type = String(response.headers['content-type'] ?? '').split(';')[0] ?? '';
    if (entry.content === undefined && response.body !== '') problems.push(`${label}: documented as empty, answered ${response.body.slice(0, 100)}`);
    if (type === 'application/json') {
      const schema = entry.content?.['application/json']?.schema;
      const body: unknown = JSON.parse(response.body);
      if (schema === undefined) problems.push(`${label}: JSON answered, no JSON documented`);
      else if (!ajv.validate(schema, body)) problems.push(`${label}: body does not fit the documented schema: ${ajv.errorsText(ajv.errors)}`);
      return body as Record<string, unknown>;
    }
    return {};
  };

  await operationsCalls(call);
  await documentCalls(call);
  await backendCalls(call, app.config.backends[0]?.name ?? '');
  await gatewayCalls(call);
  await webhookCalls(call);
  await scheduleCalls(call);

  for (const [op, statuses] of seen) {
    const [method = '', path = ''] = op.split(' ');
    const documented = Object.keys(doc.paths[path]?.[method.toLowerCase()]?.responses ?? {}).filter((status) => status !== 'default');
    const unseen = documented.filter((status) => !statuses.has(status));
    if (unseen.length > 0 && PARTIAL[op] === undefined) problems.push(`${op} documents ${unseen.join(', ')}, which no call produced`);
  }
  assert.deepEqual(problems, []);
  assert.ok(seen.size >= 45, `${seen.size} operations covered`);
});

type CallFn = (status: number, c: Call) => Promise<Record<string, unknown>>;

async function operationsCalls(call: CallFn): Promise<void> {
  await call(200, { op: 'GET /automa/health' });
  await call(200, { op: 'GET /metrics' });
  await call(200, { op: 'GET /' });
  await call(200, { op: 'GET /automa/openapi.json' });
  await call(503, { op: 'GET /automa/ready' });
  await call(502, { op: 'GET /comfyui/{*}', url: '/comfyui/system_stats' });
  await call(502, { op: 'GET /system_stats' });
  await call(400, { op: 'POST /automa/convert', body: { nothing: true } });
  await call(503, { op: 'POST /automa/convert', body: { workflow: { '1': { class_type: 'KSampler', inputs: {} } } } });
  await call(404, { op: 'GET /view', url: '/view?filename=absent.png' });
  await call(400, { op: 'GET /automa/events', url: '/automa/events?since=yesterday' });
}

async function documentCalls(call: CallFn): Promise<void> {
  const base = '/automa/db/notes';
  await call(200, { op: 'GET /automa/db' });
  const created = await call(201, { op: 'POST /automa/db/{collection}', url: base, body: { title: 'a' } });
  await call(400, { op: 'POST /automa/db/{collection}', url: '/automa/db/Bad!', body: { title: 'a' } });
  await call(413, { op: 'POST /automa/db/{collection}', url: base, body: { text: 'x'.repeat(20_000) } });
  await call(200, { op: 'GET /automa/db/{collection}', url: base });
  await call(400, { op: 'GET /automa/db/{collection}', url: `${base}?limit=0` });
  const one = `${base}/${String(created.id)}`;
  const absent = `${base}/${randomUUID()}`;
  for (const op of ['GET', 'PUT', 'PATCH', 'DELETE'].map((m) => `${m} /automa/db/{collection}/{id}`)) {
    const body = op.startsWith('P') ? { title: 'b' } : undefined;
    await call(400, { op, url: `${base}/not-a-uuid`, ...(body && { body }) });
    await call(404, { op, url: absent, ...(body && { body }) });
    if (body) {
      await call(412, { op, url: one, body, headers: { 'if-match': '"stale"' } });
      await call(400, { op, url: one, body: [1] });
    }
    await call(op.startsWith('DELETE') ? 204 : 200, { op, url: one, ...(body && { body }) });
  }
  await call(400, { op: 'DELETE /automa/db/{collection}', url: '/automa/db/default' });
  await call(204, { op: 'DELETE /automa/db/{collection}', url: base });
  await call(404, { op: 'DELETE /automa/db/{collection}', url: base });
}

async function backendCalls(call: CallFn, defaultName: string): Promise<void> {
  const long = `/automa/backends/${'n'.repeat(65)}`;
  await call(200, { op: 'GET /automa/backends' });
  await call(200, { op: 'GET /automa/backends/{name}', url: `/automa/backends/${defaultName}` });
  await call(400, { op: 'GET /automa/backends/{name}', url: long });
  await call(404, { op: 'GET /automa/backends/{name}', url: '/automa/backends/absent' });
  await call(201, { op: 'POST /automa/backends', body: { name: 'second', url: 'http://127.0.0.1:9' } });
  await call(409, { op: 'POST /automa/backends', body: { name: 'second', url: 'http://127.0.0.1:9' } });
  await call(400, { op: 'POST /automa/backends', body: { url: 'file:///etc/passwd' } });
  await call(200, { op: 'PATCH /automa/backends/{name}', url: '/automa/backends/second', body: { draining: true } });
  await call(400, { op: 'PATCH /automa/backends/{name}', url: '/automa/backends/second', body: { draining: 'soon' } });
  await call(404, { op: 'PATCH /automa/backends/{name}', url: '/automa/backends/absent', body: { draining: true } });
  await call(204, { op: 'DELETE /automa/backends/{name}', url: '/automa/backends/second' });
  await call(404, { op: 'DELETE /automa/backends/{name}', url: '/automa/backends/second' });
  await call(400, { op: 'DELETE /automa/backends/{name}', url: long });
}

async function gatewayCalls(call: CallFn): Promise<void> {
  const prompt = { '1': { class_type: 'EmptyLatentImage', inputs: { width: 64, height: 64, batch_size: 1 } } };
  const promptId = randomUUID();
  await call(200, { op: 'POST /prompt', body: { prompt, prompt_id: promptId } });
  await call(409, { op: 'POST /prompt', body: { prompt, prompt_id: promptId } });
  await call(400, { op: 'POST /prompt', body: { nothing: true } });
  await call(413, { op: 'POST /prompt', body: { prompt, extra_data: { pad: 'x'.repeat(60_000) } } });
  await call(200, { op: 'GET /prompt' });
  await call(200, { op: 'GET /queue' });
  await call(200, { op: 'GET /api/queue' });
  for (const op of ['POST /queue', 'POST /history']) {
    await call(200, { op, body: { delete: ['not-there'] } });
    await call(400, { op, body: { clear: 'maybe' } });
  }
  await call(200, { op: 'POST /interrupt' });
  await call(400, { op: 'POST /interrupt', body: '"now"', headers: { 'content-type': 'application/json' } });
  await call(200, { op: 'GET /history' });
  await call(400, { op: 'GET /history', url: '/history?max_items=-1' });
  await call(200, { op: 'GET /history/{prompt_id}', url: `/history/${promptId}` });
  await call(200, { op: 'GET /api/jobs' });
  await call(400, { op: 'GET /api/jobs', url: '/api/jobs?status=lost' });
  await call(200, { op: 'GET /api/jobs/{id}', url: `/api/jobs/${promptId}` });
  await call(404, { op: 'GET /api/jobs/{id}', url: `/api/jobs/${randomUUID()}` });
  await call(400, { op: 'GET /api/jobs/{id}', url: `/api/jobs/${'x'.repeat(101)}` });
  await call(200, { op: 'POST /api/jobs/{id}/cancel', url: `/api/jobs/${promptId}/cancel` });
  await call(400, { op: 'POST /api/jobs/{id}/cancel', url: `/api/jobs/${'x'.repeat(101)}/cancel` });
  await call(200, { op: 'POST /api/jobs/cancel', body: { job_ids: [randomUUID()] } });
  await call(400, { op: 'POST /api/jobs/cancel', body: { job_ids: ['nope'] } });
  await call(503, { op: 'GET /api/assets' });
}

async function webhookCalls(call: CallFn): Promise<void> {
  const long = `/automa/webhooks/${'w'.repeat(101)}`;
  const absent = '/automa/webhooks/absent';
  const created = await call(201, { op: 'POST /automa/webhooks', body: { url: 'http://127.0.0.1:9/hook', events: ['prompt.*'] } });
  await call(400, { op: 'POST /automa/webhooks', body: { url: 'http://127.0.0.1:9/hook', events: ['prompt.*'], secret: 'mine' } });
  const one = `/automa/webhooks/${String(created.id)}`;
  await call(200, { op: 'GET /automa/webhooks' });
  for (const [op, suffix, ok, body] of [
    ['GET /automa/webhooks/{id}', '', 200, undefined],
    ['POST /automa/webhooks/{id}/test', '/test', 202, undefined],
    ['GET /automa/webhooks/{id}/deliveries', '/deliveries', 200, undefined],
    ['GET /automa/webhooks/{id}/attempts', '/attempts', 200, undefined],
    ['POST /automa/webhooks/{id}/recover', '/recover', 200, {}],
  ] as const) {
    await call(ok, { op, url: `${one}${suffix}`, ...(body && { body }) });
    await call(404, { op, url: `${absent}${suffix}`, ...(body && { body }) });
    if (op !== 'POST /automa/webhooks/{id}/recover') await call(400, { op, url: `${long}${suffix}` });
  }
  await call(400, { op: 'GET /automa/webhooks/{id}/deliveries', url: `${one}/deliveries?limit=0` });
  await call(400, { op: 'POST /automa/webhooks/{id}/recover', url: `${one}/recover`, body: { since: 'yesterday' } });
  await call(200, { op: 'PATCH /automa/webhooks/{id}', url: one, body: { enabled: false } });
  await call(409, { op: 'POST /automa/webhooks/{id}/test', url: `${one}/test` });
  await call(400, { op: 'PATCH /automa/webhooks/{id}', url: one, body: {} });
  await call(404, { op: 'PATCH /automa/webhooks/{id}', url: absent, body: { enabled: true } });
  await call(204, { op: 'DELETE /automa/webhooks/{id}', url: one });
  await call(404, { op: 'DELETE /automa/webhooks/{id}', url: one });
  await call(400, { op: 'DELETE /automa/webhooks/{id}', url: long });
}

async function scheduleCalls(call: CallFn): Promise<void> {
  const prompt = { '1': { class_type: 'EmptyLatentImage', inputs: { width: 64, height: 64, batch_size: 1 } } };
  const long = `/automa/schedules/${'s'.repeat(101)}`;
  const absent = '/automa/schedules/absent';
  const created = await call(201, { op: 'POST /automa/schedules', body: { prompt, cron: '0 9 1 1 *' } });
  await call(400, { op: 'POST /automa/schedules', body: { prompt, cron: 'every day' } });
  const one = `/automa/schedules/${String(created.id)}`;
  await call(200, { op: 'GET /automa/schedules' });
  await call(200, { op: 'GET /automa/schedules/{id}', url: one });
  await call(400, { op: 'GET /automa/schedules/{id}', url: long });
  await call(404, { op: 'GET /automa/schedules/{id}', url: absent });
  await call(200, { op: 'PATCH /automa/schedules/{id}', url: one, body: { paused: true } });
  await call(400, { op: 'PATCH /automa/schedules/{id}', url: one, body: { paused: 'yes' } });
  await call(404, { op: 'PATCH /automa/schedules/{id}', url: absent, body: { paused: true } });
  await call(204, { op: 'DELETE /automa/schedules/{id}', url: one });
  await call(404, { op: 'DELETE /automa/schedules/{id}', url: one });
  await call(400, { op: 'DELETE /automa/schedules/{id}', url: long });
}
