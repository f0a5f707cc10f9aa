/**
 * A restart finds a prompt the store holds as submitted to a backend that is no longer configured:
 * it goes back to pending and runs on a backend that is (the claim only takes pending prompts).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { test } from 'node:test';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { createSqliteStore } from '../../src/store/index.js';
import { startFakeComfy } from '../fake-comfy/server.js';
import { getJson, simpleGraph } from '../helpers/comfy-client.js';
import { makeTempDir } from '../helpers/app.js';
import { waitForBackendsUp } from '../helpers/stack.js';

test('a prompt submitted to a backend gone at restart runs on one that is there', { timeout: 15_000 }, async (t) => {
  const temp = makeTempDir();
  t.after(temp.remove);
  const id = randomUUID();
  const before = createSqliteStore({ dataDir: temp.dir });
  await before.prompts.insert({ id, number: 1, prompt: simpleGraph(3), extraData: {}, outputsToExecute: ['3'], clientId: null, createTime: Date.now() });
  assert.equal(await before.prompts.markSubmitted(id, 'gone', 1), true);
  await before.close();

  const fake = await startFakeComfy();
  t.after(() => fake.close());
  const loaded = loadConfig(['--port', '0', '--data-dir', temp.dir, '--log-level', 'silent', '--comfyui', `one=${fake.url}`], {});
  if (loaded.kind !== 'config') throw new Error('bad config');
  const store = createSqliteStore({ dataDir: temp.dir });
  const succeeded = new Promise<void>((resolve) => {
    store.events.onAppended((_id, type, subject) => {
      if (type === 'prompt.succeeded' && subject === id) resolve();
    });
  });
  const app = await buildApp({ config: loaded.config, store, logger: createLogger('silent'), version: '0.0.0-test' });
  app.http.addHook('onClose', async () => store.close());
  await app.http.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.http.close());
  const url = `http://127.0.0.1:${(app.http.server.address() as net.AddressInfo).port}`;
  await waitForBackendsUp(url);

  await succeeded;
  const history = await getJson<Record<string, unknown>>(`${url}/history/${id}`);
  assert.ok(history[id], 'finished and in history');
  assert.equal((await store.prompts.get(id))?.backend, 'one');
});
