/**
 * A 400 names the field at fault and the reason, so the client knows what to fix; and nothing
 * is changed by a refused request.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestApp } from '../helpers/app.js';

interface ErrorReply {
  readonly status: number;
  readonly error: { type: string; message: string; details: string; extra_info: Record<string, unknown> };
}

async function post(url: string, text: string): Promise<ErrorReply> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
  const body = (await response.json()) as { error: ErrorReply['error'] };
  return { status: response.status, error: body.error };
}

test('POST /automa/backends: a URL that is not http(s) is called that, whatever the name it would give', async (t) => {
  const app = await startTestApp();
  t.after(() => app.close());
  const cases = [
    ['{"url":"file:///etc/passwd"}', /url/i, /not an http\(s\) URL/],
    ['{"url":"ftp://example.com/x"}', /url/i, /not an http\(s\) URL/],
    ['{"url":"not a url"}', /url/i, /not a URL/],
    ['{"name":"a b","url":"http://127.0.0.1:9"}', /name/i, /must match/],
  ] as const;
  for (const [body, field, reason] of cases) {
    const reply = await post(`${app.url}/automa/backends`, body);
    assert.equal(reply.status, 400, body);
    assert.match(reply.error.message, field, body);
    assert.match(`${reply.error.message} ${reply.error.details}`, reason, body);
    assert.equal(reply.error.extra_info.field, /name/.test(field.source) ? 'name' : 'url', body);
  }
  const { backends } = (await (await fetch(`${app.url}/automa/backends`)).json()) as { backends: unknown[] };
  assert.equal(backends.length, 1, 'no backend added');
});

test('a "__proto__" key (or constructor.prototype) is refused as such, not called invalid JSON, on every JSON route', async (t) => {
  const app = await startTestApp();
  t.after(() => app.close());
  const bodies = [
    ['/automa/db/notes', '{"a":1,"__proto__":{"polluted":true}}'],
    ['/automa/db/notes', '{"nested":{"constructor":{"prototype":{"polluted":true}}}}'],
    ['/prompt', '{"prompt":{},"extra_data":{"__proto__":{"x":1}}}'],
    // A 16-digit run takes the exact-integer parser: the same answer there.
    ['/prompt', '{"prompt":{},"extra_data":{"seed":18446744073709551615,"__proto__":{"x":1}}}'],
    ['/automa/backends', '{"url":"http://127.0.0.1:9","__proto__":{}}'],
  ] as const;
  for (const [route, body] of bodies) {
    const reply = await post(`${app.url}${route}`, body);
    assert.equal(reply.status, 400, `${route} ${body}`);
    assert.equal(reply.error.type, 'forbidden_json_key', `${route} ${body}`);
    assert.match(reply.error.message, /"__proto__"/);
    assert.doesNotMatch(reply.error.message, /not valid JSON/);
  }
  const { collections } = (await (await fetch(`${app.url}/automa/db`)).json()) as { collections: unknown[] };
  assert.deepEqual(collections.filter((c) => (c as { name: string }).name === 'notes'), [], 'nothing stored');
  assert.deepEqual(await (await fetch(`${app.url}/queue`)).json(), { queue_running: [], queue_pending: [] });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('POST /prompt whose body is not an object says what it got', async (t) => {
  const app = await startTestApp();
  t.after(() => app.close());
  const reply = await post(`${app.url}/prompt`, '[1,2]');
  assert.equal(reply.status, 400);
  assert.match(reply.error.message, /body must be a JSON object/i);
  assert.match(reply.error.details, /got an array/);
});
