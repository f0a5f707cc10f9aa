import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startStack } from '../helpers/stack.js';

test('with --comfyui-frontend a browser at / gets ComfyUI’s own frontend through us; API clients get the JSON description', async (t) => {
  const { app } = await startStack(t, {}, ['--comfyui-frontend']);

  const page = await fetch(`${app.url}/`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await page.text(), /ComfyUI/, 'the backend’s page, not ours');

  const described = await fetch(`${app.url}/`, { headers: { accept: '*/*' } });
  assert.equal(((await described.json()) as { name: string }).name, 'comfyui-automa');

  // Custom nodes' web folders and the frontend's assets come from the backend too (the fake has none: its 404).
  const script = await fetch(`${app.url}/extensions/some-node/main.js`);
  assert.equal(script.status, 404);
  assert.doesNotMatch(await script.text(), /route_not_found/, 'answered by the backend, not by our router');
});
