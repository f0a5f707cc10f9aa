import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findLocalComfy } from '../../src/desktop/local-comfy.js';
import { startFakeComfy } from '../fake-comfy/server.js';
import { closedPort } from '../main/service.js';

test('the first candidate that answers as a ComfyUI is used; none answering gives null', async (t) => {
  const fake = await startFakeComfy();
  t.after(() => fake.close());
  const nothing = `http://127.0.0.1:${await closedPort()}`;
  assert.equal(await findLocalComfy([nothing, fake.url]), fake.url);
  assert.equal(await findLocalComfy([nothing]), null);
});
