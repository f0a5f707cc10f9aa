import assert from 'node:assert/strict';
import test from 'node:test';
import { parseJson, pyFloatRepr, PyFloat, pyRepr, pyStr, stringifyPython } from '../../../src/upstream/protocol/index.js';
import { recordedExchanges } from './helpers.js';

test('unsafe integers survive parsing as bigint and are written back digit for digit', () => {
  const text = '{"seed": 18446744073709551615, "small": 5, "neg": -9007199254740993, "s": "123456789012345678901"}';
  const value = parseJson(text) as Record<string, unknown>;
  assert.equal(value['seed'], 18446744073709551615n);
  assert.equal(value['small'], 5);
  assert.equal(value['neg'], -9007199254740993n);
  assert.equal(value['s'], '123456789012345678901', 'digits inside strings are left alone');
  assert.equal(stringifyPython(value), text);
});

test('keepFloats returns floats as PyFloat, which Python-style output writes with ".0"', () => {
  const value = parseJson('{"a": 1.0, "b": 2, "c": 1e-05, "d": [0.5]}', { keepFloats: true }) as Record<string, unknown>;
  assert.ok(value['a'] instanceof PyFloat && value['a'].value === 1);
  assert.equal(value['b'], 2);
  assert.equal(stringifyPython(value), '{"a": 1.0, "b": 2, "c": 1e-05, "d": [0.5]}');
  assert.equal(JSON.stringify(value), '{"a":1,"b":2,"c":0.00001,"d":[0.5]}', 'plain JSON sees numbers');
});

test('json.dumps byte for byte: recorded replies have the recorded content-length', () => {
  let checked = 0;
  for (const file of ['post_prompt_valid.json', 'get_endpoints.json']) {
    for (const exchange of recordedExchanges(file)) {
      const length = exchange.response.headers['content-length'];
      if (!length || exchange.response.status !== 200 || typeof exchange.response.body !== 'object') continue;
      if (exchange.request.body?.value && (exchange.request.body.value as { number?: unknown }).number !== undefined) {
        // "number": 42 comes back as 42.0
        const body = { ...(exchange.response.body as Record<string, unknown>), number: new PyFloat(42) };
        assert.equal(Buffer.byteLength(stringifyPython(body)), Number(length), exchange.url);
        checked++;
        continue;
      }
      if (/system_stats|internal|\/api\/jobs|history|object_info/.test(exchange.url)) continue; // paths rewritten or float-bearing
      assert.equal(Buffer.byteLength(stringifyPython(exchange.response.body)), Number(length), `${file} ${exchange.url}`);
      checked++;
    }
  }
  assert.ok(checked >= 20, `only ${checked} replies checked`);
});

test('ensure_ascii and escapes as Python writes them', () => {
  assert.equal(stringifyPython('é ✓ 🎨 "q" \\ \n\t\u007f'), '"\\u00e9 \\u2713 \\ud83c\\udfa8 \\"q\\" \\\\ \\n\\t\\u007f"');
  assert.equal(stringifyPython({ a: undefined, b: null, c: true }), '{"b": null, "c": true}');
});

test('float repr follows Python: exponent below 1e-4 and from 1e16, ".0" on whole numbers', () => {
  const cases: Array<[number, string]> = [
    [1, '1.0'], [0.1, '0.1'], [100, '100.0'], [1e-5, '1e-05'], [0.0001, '0.0001'], [1.5e-7, '1.5e-07'],
    [1e16, '1e+16'], [1234567890123456, '1234567890123456.0'], [-2.5, '-2.5'], [0, '0.0'], [NaN, 'nan'], [-Infinity, '-inf'],
  ];
  for (const [n, text] of cases) assert.equal(pyFloatRepr(n), text, String(n));
});

test('str() and repr() of JSON values', () => {
  assert.equal(pyStr('abc'), 'abc');
  assert.equal(pyRepr('abc'), "'abc'");
  assert.equal(pyRepr("it's"), '"it\'s"');
  assert.equal(pyStr(['a', 1, true, null, new PyFloat(2)]), "['a', 1, True, None, 2.0]");
  assert.equal(pyStr({ k: 'v' }), "{'k': 'v'}");
});
