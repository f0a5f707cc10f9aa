import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { envName, OPTIONS } from '../../src/config/index.js';

test('the README documents every flag and its environment variable', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  for (const option of OPTIONS) {
    assert.ok(readme.includes(`\`--${option.flag}`), `README lacks --${option.flag}`);
    assert.ok(readme.includes(envName(option.flag)), `README lacks ${envName(option.flag)}`);
  }
});
