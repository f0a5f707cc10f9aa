/**
 * Cancel and delete against dispatch, interleaved on purpose: the store the app runs on is the
 * real SQLite store, with a gate in front of one of its prompt writes, so the test decides when
 * that write returns and makes a dispatch pass (or a submission) happen in between.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test, type TestContext } from 'node:test';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { createSqliteStore, type PromptStore, type Store } from '../../src/store/index.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/server.js';
import { getJson, postJson, simpleGraph } from '../helpers/comfy-client.js';
import { makeTempDir } from '../helpers/app.js';
import { waitForBackendsUp } from '../helpers/stack.js';

type GatedMethod = 'cancel' | 'removePending' | 'markSubmitted';

interface Gate {
  /** Resolves once the real store method has run (its write is done) and the call is held. */
  readonly entered: Promise<void>;
  release(): void;
}

/** A Store whose prompt writes can be held after they ran and before their caller resumes. */
function gatedStore(store: Store): { store: Store; hold(method: GatedMethod): Gate; releaseAll(): void } {
  const gates = new Map<GatedMethod, { enter: () => void; released: Promise<void> }>();
  const releases: (() => void)[] = [];
  const prompts = new Proxy(store.prompts, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]) => {
        const result = await method.apply(target, args);
        const gate = gates.get(key as GatedMethod);
        if (gate) {
          gates.delete(key as GatedMethod);
          gate.enter();
          await gate.released;
        }
        return result;
      };
    },
  }) as PromptStore;
  return {
    store: { ...store, prompts, ping: () => store.ping(), close: () => store.close() },
    hold(method) {
      let enter = (): void => undefined;
      let release = (): void => undefined;
      const entered = new Promise<void>((resolve) => (enter = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      gates.set(method, { enter, released });
      releases.push(release);
      return { entered, release };
    },
    releaseAll: () => {
      gates.clear();
      for (const release of releases) release();
    },
  };
}

async function start(t: TestContext) {
  const fake = await startFakeComfy();
  t.after(() => fake.close());
  const temp = makeTempDir();
  const loaded = loadConfig(['--port', '0', '--data-dir', temp.dir, '--log-level', 'silent', '--comfyui', `one=${fake.url}`], {});
  if (loaded.kind !== 'config') throw new Error('bad config');
  const real = createSqliteStore({ dataDir: temp.dir });
  const gated = gatedStore(real);
  const app = await buildApp({ config: loaded.config, store: gated.store, logger: createLogger('silent'), version: '0.0.0-test' });
  app.http.addHook('onClose', async () => real.close());
  await app.http.listen({ host: '127.0.0.1', port: 0 });
  t.after(async () => {
    gated.releaseAll(); // a failed assertion must not leave a request held open
    await app.http.close();
    temp.remove();
  });
  const url = `http://127.0.0.1:${(app.http.server.address() as net.AddressInfo).port}`;
  await waitForBackendsUp(url);
  return { fake, app, url, hold: gated.hold, real };
}

const draining = (url: string, value: boolean) =>
  fetch(`${url}/automa/backends/one`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ draining: value }) });

const submit = async (url: string, color: number): Promise<string> => {
  const reply = await postJson(`${url}/prompt`, { prompt: simpleGraph(color) });
  assert.equal(reply.status, 200);
  return (reply.body as { prompt_id: string }).prompt_id;
};

/** A later prompt runs to the end on the backend, which takes prompts in the order it got them. */
async function assertNeverReachedBackend(fake: FakeComfy, url: string, id: string): Promise<void> {
  const later = await submit(url, 99);
  await fake.control.waitForHistory(later);
  const received = fake.control.received.prompts.map((p) => p.promptId);
  assert.ok(received.includes(later));
  assert.ok(!received.includes(id), 'the withdrawn prompt never reached the backend');
  const job = await getJson<{ status: string }>(`${url}/api/jobs/${id}`);
  assert.notEqual(job.status, 'completed');
}

for (const [how, method] of [
  ['POST /api/jobs/{id}/cancel', 'cancel'],
  ['POST /queue {delete}', 'removePending'],
] as const) {
  test(`${how} on a pending prompt: a dispatch pass while its store write is under way does not send it`, async (t) => {
    const { fake, app, url, hold } = await start(t);
    assert.equal((await draining(url, true)).status, 200);
    const id = await submit(url, 1);

    const gate = hold(method);
    const withdrawing =
      method === 'cancel'
        ? postJson(`${url}/api/jobs/${id}/cancel`, {})
        : postJson(`${url}/queue`, { delete: [id] });
    await gate.entered;
    // Free the backend: setDraining schedules a dispatch pass, which runs before this reply is sent.
    assert.equal((await draining(url, false)).status, 200);
    const link = app.gateway.links[0];
    assert.ok(link);
    assert.equal(link.inflight.has(id), false, 'the dispatch pass in the gap did not take the prompt');
    gate.release();
    assert.equal((await withdrawing).status, 200);
    assert.deepEqual(await getJson(`${url}/queue`), { queue_running: [], queue_pending: [] });
    await assertNeverReachedBackend(fake, url, id);
  });
}

test('cancelling a prompt while it is being handed to a backend stops the hand-over', async (t) => {
  const { fake, url, hold } = await start(t);
  const submitted = hold('markSubmitted');
  const cancelWrite = hold('cancel');
  const id = await submit(url, 1);
  await submitted.entered; // dispatched: marked submitted, not yet sent to the backend
  const cancelling = postJson(`${url}/api/jobs/${id}/cancel`, {});
  await cancelWrite.entered;
  cancelWrite.release();
  submitted.release();
  const reply = await cancelling;
  assert.deepEqual(reply, { status: 200, body: { cancelled: true } });
  await assertNeverReachedBackend(fake, url, id);
  const job = await getJson<{ status: string }>(`${url}/api/jobs/${id}`);
  assert.equal(job.status, 'cancelled');
});

test('a pending prompt another gateway sharing the store claimed first is not sent here, and does not hold a slot', async (t) => {
  const { fake, url, real } = await start(t);
  assert.equal((await draining(url, true)).status, 200);
  const id = await submit(url, 1);
  assert.equal(await real.prompts.markSubmitted(id, 'elsewhere', 1), true, 'the other gateway’s claim');
  assert.equal((await draining(url, false)).status, 200);
  await assertNeverReachedBackend(fake, url, id);
  assert.equal((await real.prompts.get(id))?.backend, 'elsewhere', 'the claim stands');
});
