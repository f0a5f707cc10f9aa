import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyMergePatch } from '../../src/store/index.js';

// RFC 7396, Appendix A: every example, verbatim.
const RFC_7396_EXAMPLES: readonly [target: unknown, patch: unknown, result: unknown][] = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [['a', 'b'], ['c', 'd'], ['c', 'd']],
  [{ a: 'b' }, ['c'], ['c']],
  [{ a: 'foo' }, null, null],
  [{ a: 'foo' }, 'bar', 'bar'],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

test('applyMergePatch reproduces every example of RFC 7396 appendix A', () => {
  for (const [target, patch, expected] of RFC_7396_EXAMPLES) {
    assert.deepEqual(applyMergePatch(target, patch), expected, `${JSON.stringify(target)} + ${JSON.stringify(patch)}`);
  }
});

test('applyMergePatch leaves its inputs untouched', () => {
  const target = { a: { b: 1, c: [1, 2] }, d: 'x' };
  const patch = { a: { b: null, e: { f: 1 } }, d: null };
  const targetCopy = structuredClone(target);
  const patchCopy = structuredClone(patch);
  assert.deepEqual(applyMergePatch(target, patch), { a: { c: [1, 2], e: { f: 1 } } });
  assert.deepEqual(target, targetCopy);
  assert.deepEqual(patch, patchCopy);
});

test('applyMergePatch merges deeply nested objects and replaces arrays whole', () => {
  const target = { l1: { l2: { l3: { keep: 1, drop: 2 }, list: [1, 2, 3] }, other: true } };
  const patch = { l1: { l2: { l3: { drop: null, add: 3 }, list: [9] } } };
  assert.deepEqual(applyMergePatch(target, patch), { l1: { l2: { l3: { keep: 1, add: 3 }, list: [9] }, other: true } });
});
