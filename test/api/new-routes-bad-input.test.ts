import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { errorOf, request, rowCounts } from '../security/helpers.js';

/** /api/v2 speaks its own error shape {error:{code, message, details}}; the rest ComfyUI's {error:{type, message, ...}}. */
function errorMessage(path: string, body: string): string {
  if (!path.startsWith('/api/v2/')) return errorOf(body).message;
  const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
  if (typeof parsed.error?.code !== 'string' || typeof parsed.error.message !== 'string') throw new Error(`not a v2 error body: ${body}`);
  return parsed.error.message;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const MISSING = '00000000-0000-4000-8000-000000000000';

/** Bodies that are wrong whatever the route: not JSON, not an object, the wrong types. */
const JUNK: readonly (readonly [string, string])[] = [
  ['not JSON', '{"a":'],
  ['a JSON string', '"hello"'],
  ['a JSON array', '[1,2]'],
  ['null', 'null'],
  ['a number', '42'],
  ['an empty object', '{}'],
];

interface Case {
  readonly method: string;
  readonly path: string;
  readonly bodies: readonly (readonly [string, string])[];
}

const CASES: readonly Case[] = [
  { method: 'POST', path: '/automa/convert', bodies: [...JUNK, ['workflow is a number', '{"workflow":5}']] },
  { method: 'POST', path: '/automa/apps', bodies: [...JUNK, ['workflow is a string', '{"workflow":"x","name":"a"}'], ['name is a number', '{"workflow":{},"name":5}'], ['inputs is an object', '{"workflow":{},"inputs":{}}']] },
  { method: 'PATCH', path: `/automa/apps/${MISSING}`, bodies: [...JUNK, ['name is a number', '{"name":5}'], ['name is blank', '{"name":"  "}']] },
  { method: 'PATCH', path: '/automa/apps/not-a-uuid', bodies: [['a good body', '{"name":"a"}']] },
  { method: 'PUT', path: `/automa/apps/${MISSING}/workflow`, bodies: [...JUNK, ['workflow is a string', '{"workflow":"x"}']] },
  { method: 'POST', path: `/automa/apps/${MISSING}/runs`, bodies: [...JUNK, ['inputs is a string', '{"inputs":"x"}']] },
  { method: 'POST', path: '/automa/apps/not-a-uuid/runs', bodies: [['an empty object', '{}']] },
  { method: 'POST', path: `/automa/apps/${MISSING}/sweeps`, bodies: [...JUNK, ['axes is a string', '{"inputs":{},"axes":"x","mode":"grid"}']] },
  { method: 'POST', path: '/automa/webhooks', bodies: [...JUNK, ['url is a number', '{"url":5,"events":["*"]}'], ['url is not a URL', '{"url":"nope","events":["*"]}'], ['events is a string', '{"url":"http://example.com","events":"x"}'], ['enabled is a string', '{"url":"http://example.com","events":["*"],"enabled":"false"}'], ['an unknown field', '{"url":"http://example.com","events":["*"],"zzz":1}']] },
  { method: 'PATCH', path: `/automa/webhooks/${MISSING}`, bodies: [...JUNK, ['url is a number', '{"url":5}']] },
  { method: 'POST', path: `/automa/webhooks/${MISSING}/recover`, bodies: [['not JSON', '{"a":'], ['since is not a date', '{"since":"yesterday"}'], ['an unknown field', '{"zzz":1}']] },
  { method: 'POST', path: '/automa/schedules', bodies: [...JUNK, ['cron is a number', '{"prompt":{},"cron":5}'], ['cron is junk', '{"prompt":{},"cron":"every tuesday"}'], ['at is not a date', '{"prompt":{},"at":"soon"}'], ['an unknown field', '{"prompt":{},"cron":"* * * * *","zzz":1}']] },
  { method: 'PATCH', path: `/automa/schedules/${MISSING}`, bodies: [...JUNK, ['paused is a string', '{"paused":"yes"}'], ['paused is "true"', '{"paused":"true"}']] },
  { method: 'POST', path: '/api/v2/jobs', bodies: [...JUNK, ['workflow is a string', '{"workflow":"x"}'], ['workflow is an array', '{"workflow":[]}']] },
  { method: 'POST', path: '/api/v2/assets/from-hash', bodies: [...JUNK, ['hash is a number', '{"hash":5}'], ['tags is a number', '{"hash":"blake3:00","tags":5}'], ['expires_in is a string', '{"hash":"blake3:00","expires_in":"x"}']] },
  { method: 'POST', path: '/api/v2/assets', bodies: [['JSON, not a form', '{"file":"x"}']] },
];

test('every new POST/PATCH/PUT route answers bad input with a 4xx JSON error and writes nothing', async (t) => {
  const svc = await startTestApp();
  t.after(() => svc.close());
  const before = await rowCounts(svc.dataDir);
  const problems: string[] = [];
  for (const { method, path, bodies } of CASES) {
    for (const [what, body] of bodies) {
      const reply = await request(`${svc.url}${path}`, { method, headers: { ...JSON_TYPE, 'content-length': String(Buffer.byteLength(body)) }, body });
      const label = `${method} ${path} with ${what}: ${reply.status} ${reply.body.slice(0, 300)}`;
      if (reply.status < 400 || reply.status >= 500) {
        problems.push(label);
        continue;
      }
      try {
        assert.ok(errorMessage(path, reply.body).length > 0);
      } catch {
        problems.push(`${label} (not a JSON error body)`);
      }
    }
  }
  assert.deepEqual(problems, []);
  assert.deepEqual(await rowCounts(svc.dataDir), before);
});
