import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertWorkflow } from '../../../src/automation/convert/index.js';
import { loadObjectInfo, loadPairs } from './helpers.js';

const objectInfo = loadObjectInfo();
const pairs = loadPairs();

test('the shared oracle has its pairs', () => {
  assert.ok(pairs.length >= 8, `found ${pairs.length} pairs`);
});

for (const pair of pairs) {
  test(`${pair.file} converts exactly as the frontend did`, () => {
    const result = convertWorkflow(pair.workflow, objectInfo);
    assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
    assert.equal(result.format, 'ui');
    assert.deepStrictEqual(JSON.parse(JSON.stringify(result.prompt)), pair.expected);
  });
}
