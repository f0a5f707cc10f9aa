import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/server.js';
import { makeTempDir } from '../helpers/app.js';
import { ComfyTestClient, eventually, getJson, postJson, simpleGraph } from '../helpers/comfy-client.js';
import { testSchema } from '../helpers/postgres.js';
import { startService, stopService, type Service } from '../main/service.js';

/**
 * Several gateways on one PostgreSQL: three gateway processes, four fake backends, one schema of
 * the test's own and one shared data dir, as a deployment behind a load balancer would run them.
 */
const LEASE_TTL_MS = 3_000;

interface Health {
  backends: { name: string; state: string; gateway: string | null }[];
  cluster?: { gateway: string; gateways: { id: string }[] };
}

async function startCluster(t: TestContext, gateways: readonly string[], backends = 4): Promise<{ fakes: FakeComfy[]; services: Map<string, Service>; args: (id: string) => string[] }> {
  const fakes = await Promise.all(Array.from({ length: backends }, () => startFakeComfy()));
  for (const fake of fakes) t.after(() => fake.close());
  const { url, schema } = testSchema(t);
  const data = makeTempDir('automa-cluster-');
  t.after(data.remove);
  const database = `${url}?schema=${schema}`;
  const args = (id: string): string[] => [
    '--database',
    database,
    '--gateway-id',
    id,
    '--lease-ttl',
    String(LEASE_TTL_MS),
    '--data-dir',
    data.dir,
    ...fakes.flatMap((fake, i) => ['--comfyui', `b${i}=${fake.url}`]),
  ];
  const services = new Map<string, Service>();
  // One at a time: the first migrates, and each takes its share as it joins.
  for (const id of gateways) {
    const service = await startService(args(id));
    t.after(() => stopService(service));
    services.set(id, service);
  }
  return { fakes, services, args };
}

const health = (service: Service): Promise<Health> => getJson<Health>(`${service.url}/automa/health`);

/** Every backend driven, by one gateway each, and every gateway driving some. */
async function waitForSpread(service: Service, gateways: readonly string[]): Promise<Health> {
  let last: Health | undefined;
  await eventually(
    async () => {
      last = await health(service);
      const holders = new Set(last.backends.map((b) => b.gateway));
      return last.backends.every((b) => b.gateway !== null && b.state === 'up') && gateways.every((g) => holders.has(g));
    },
    LEASE_TTL_MS * 6,
    'backends spread over the gateways',
  );
  return last as Health;
}

const service = (services: Map<string, Service>, id: string): Service => {
  const found = services.get(id);
  if (!found) throw new Error(`no gateway ${id}`);
  return found;
};

test('a client on gateway B sees the events of a prompt submitted on gateway A, run on a backend either drives', async (t) => {
  const { services, fakes } = await startCluster(t, ['ga', 'gb'], 2);
  const a = service(services, 'ga');
  const b = service(services, 'gb');
  const spread = await waitForSpread(a, ['ga', 'gb']);
  assert.equal(spread.cluster?.gateway, 'ga');
  // The pool as the web app reads it names the same drivers as the health answer.
  const listed = await getJson<{ backends: { name: string; gateway: string | null }[] }>(`${b.url}/automa/backends`);
  assert.deepEqual(
    listed.backends.map((x) => [x.name, x.gateway]),
    spread.backends.map((x) => [x.name, x.gateway]),
  );
  assert.deepEqual(spread.cluster?.gateways.map((g) => g.id).sort(), ['ga', 'gb']);
  for (const fake of fakes) fake.control.setNodeDelay(20);

  const clientId = randomUUID();
  const watcher = await ComfyTestClient.connect(`ws://127.0.0.1:${b.port}`, clientId);
  t.after(() => watcher.close());
  const ids: string[] = [];
  // Four prompts: with two backends at one running + one prefetched each, both gateways' backends run some.
  for (let i = 0; i < 4; i++) {
    const submitted = await postJson(`${a.url}/prompt`, { prompt: simpleGraph(i), client_id: clientId });
    assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
    ids.push((submitted.body as { prompt_id: string }).prompt_id);
  }
  for (const id of ids) await watcher.waitForDone(id, 20_000);
  for (const id of ids) {
    const types = watcher.framesOf(id).map((f) => f.type);
    assert.ok(types.includes('execution_start'), `${id}: ${types.join(',')}`);
    assert.ok(types.includes('executed'), `${id}: ${types.join(',')}`);
    const history = await getJson<Record<string, { status: { status_str: string } }>>(`${b.url}/history/${id}`);
    assert.equal(history[id]?.status.status_str, 'success');
  }
  // Numbers are global: four distinct, increasing in submission order.
  const numbers = await Promise.all(
    ids.map(async (id) => (await getJson<Record<string, { prompt: [number, ...unknown[]] }>>(`${b.url}/history/${id}`))[id]?.prompt[0]),
  );
  assert.deepEqual(
    numbers,
    [...numbers].sort((x, y) => (x ?? 0) - (y ?? 0)),
    'numbers increase in submission order',
  );
  assert.equal(new Set(numbers).size, 4);
});

test('kill -9 of a gateway under steady submission: nothing acknowledged is lost, each prompt runs once, its backends are adopted and its clients carry on elsewhere', async (t) => {
  const names = ['ga', 'gb', 'gc'];
  const { services, fakes } = await startCluster(t, names, 4);
  const spread = await waitForSpread(service(services, 'gc'), names);
  for (const fake of fakes) fake.control.setNodeDelay(15);
  const victim = 'ga';
  const victimBackends = spread.backends.filter((b) => b.gateway === victim).map((b) => b.name);
  assert.ok(victimBackends.length > 0);

  const acked = new Set<string>();
  let killed = false;
  let stop = false;
  const submitter = async (worker: number): Promise<void> => {
    for (let n = 0; !stop; n++) {
      const live = [...services.values()];
      const target = live[(worker + n) % live.length];
      if (target === undefined) return;
      try {
        const res = await postJson(`${target.url}/prompt`, { prompt: simpleGraph(n % 200, `w${worker}`) });
        if (res.status === 200) acked.add((res.body as { prompt_id: string }).prompt_id);
      } catch {
        assert.ok(killed, 'only the killed gateway refuses');
      }
    }
  };
  const workers = Array.from({ length: 3 }, (_, w) => submitter(w));
  await eventually(() => acked.size >= 60, 30_000, '60 acknowledged prompts');
  // A client of the victim's submits behind that backlog, so its prompts are still waiting or
  // running on the victim's backends when it dies.
  const clientId = randomUUID();
  const client = await ComfyTestClient.connect(`ws://127.0.0.1:${service(services, victim).port}`, clientId);
  const own: string[] = [];
  for (let i = 0; i < 6; i++) {
    const submitted = await postJson(`${service(services, victim).url}/prompt`, { prompt: simpleGraph(300 + i), client_id: clientId });
    assert.equal(submitted.status, 200);
    own.push((submitted.body as { prompt_id: string }).prompt_id);
    acked.add(own[i] ?? '');
  }
  killed = true;
  const killedAt = Date.now();
  service(services, victim).child.kill('SIGKILL');
  await service(services, victim).exited;
  services.delete(victim);
  // The client reconnects to a survivor with its clientId, as a client behind a load balancer would.
  client.close();
  const reconnected = await ComfyTestClient.connect(`ws://127.0.0.1:${service(services, 'gb').port}`, clientId);
  t.after(() => reconnected.close());
  const reconnectedAt = Date.now();
  await eventually(() => acked.size >= 120, 60_000, '120 acknowledged prompts');
  stop = true;
  await Promise.all(workers);

  // The victim's backends are driven by the survivors again.
  const survivor = service(services, 'gb');
  await eventually(
    async () => {
      const now = await health(survivor);
      return victimBackends.every((name) => {
        const backend = now.backends.find((b) => b.name === name);
        return backend?.gateway !== undefined && backend.gateway !== null && backend.gateway !== victim;
      });
    },
    LEASE_TTL_MS * 5,
    "the dead gateway's backends adopted",
  );
  t.diagnostic(`backends adopted ${Date.now() - killedAt} ms after the kill (lease TTL ${LEASE_TTL_MS} ms)`);

  // Every acknowledged prompt finishes successfully, exactly once across the backends.
  await eventually(
    async () => {
      const jobs = await getJson<{ pagination: { total: number } }>(`${survivor.url}/api/jobs?status=completed&limit=1`);
      return jobs.pagination.total >= acked.size;
    },
    120_000,
    'every acknowledged prompt completed',
  );
  for (const id of acked) {
    const entry = await getJson<Record<string, { status: { status_str: string } }>>(`${survivor.url}/history/${id}`);
    assert.equal(entry[id]?.status.status_str, 'success', `prompt ${id} completed`);
  }
  // Handed to a backend once (a backend runs what it accepts): no gateway sent any prompt twice.
  const runs = new Map<string, number>();
  for (const fake of fakes) {
    for (const received of fake.control.received.prompts) {
      if (received.status === 200 && received.promptId !== undefined) runs.set(received.promptId, (runs.get(received.promptId) ?? 0) + 1);
    }
  }
  for (const id of acked) assert.equal(runs.get(id), 1, `prompt ${id} went to a backend once (${runs.get(id) ?? 0} times)`);
  // Nothing ran that was never acknowledged except requests cut off by the kill.
  const unknown = [...runs.keys()].filter((id) => !acked.has(id));
  assert.ok(unknown.length <= 3, `at most the cut-off requests ran unacknowledged: ${unknown.length}`);

  // The victim's client hears, on the survivor, the end of every prompt of its that ended after it reconnected.
  let heard = 0;
  for (const id of own) {
    const job = await getJson<{ execution_end_time?: number | null }>(`${survivor.url}/api/jobs/${id}`);
    if ((job.execution_end_time ?? 0) <= reconnectedAt) continue;
    await reconnected.waitForDone(id, 10_000);
    heard += 1;
  }
  assert.ok(heard > 0, 'some of the client’s prompts were still unfinished when it reconnected');
  t.diagnostic(`${heard} of the client's ${own.length} prompts reported to it on the survivor`);
});

test('a gateway that stops cleanly hands its backends over at once, and rejoining takes its share back', async (t) => {
  const names = ['ga', 'gb'];
  const { services, args } = await startCluster(t, names, 2);
  await waitForSpread(service(services, 'gb'), names);
  const exit = await stopService(service(services, 'ga'), 'SIGTERM');
  assert.equal(exit.code, 0, 'a clean stop');
  services.delete('ga');
  await eventually(async () => (await health(service(services, 'gb'))).backends.every((b) => b.gateway === 'gb'), LEASE_TTL_MS, 'gb drives both');
  const again = await startService(args('ga'));
  t.after(() => stopService(again));
  services.set('ga', again);
  await waitForSpread(again, names);
});

test('a backend added, drained and removed on one gateway is followed by the others, and outlives the gateway that added it', async (t) => {
  const names = ['ga', 'gb'];
  const { services, fakes } = await startCluster(t, names, 2);
  const a = service(services, 'ga');
  const b = service(services, 'gb');
  await waitForSpread(b, names);
  const extra = await startFakeComfy();
  t.after(() => extra.close());
  const backendsOf = async (s: Service): Promise<{ name: string; state: string }[]> =>
    (await getJson<{ backends: { name: string; state: string }[] }>(`${s.url}/automa/backends`)).backends;
  const stateOn = async (s: Service, name: string): Promise<string | undefined> => (await backendsOf(s)).find((x) => x.name === name)?.state;

  const added = await postJson(`${a.url}/automa/backends`, { name: 'extra', url: extra.url });
  assert.equal(added.status, 201);
  // Told at once (a notification); the periodic re-read is the fallback, not what this waits for.
  await eventually(async () => (await stateOn(b, 'extra')) === 'up', LEASE_TTL_MS, 'gb knows the added backend');

  const drained = await fetch(`${b.url}/automa/backends/extra`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ draining: true }) });
  assert.equal(drained.status, 200);
  await eventually(async () => (await stateOn(a, 'extra')) === 'draining', LEASE_TTL_MS, 'ga sees it draining');
  const undrained = await fetch(`${a.url}/automa/backends/extra`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ draining: false }) });
  assert.equal(undrained.status, 200);
  await eventually(async () => (await stateOn(b, 'extra')) === 'up', LEASE_TTL_MS, 'gb sees it taking prompts again');

  // A prompt running on a backend one gateway drives is in_progress on both (not pending on the other).
  const stalls = [extra, ...fakes].map((fake) => fake.control.stall({ classType: 'ImageInvert' }));
  const held = await postJson(`${a.url}/prompt`, { prompt: simpleGraph(99) });
  const heldId = (held.body as { prompt_id: string }).prompt_id;
  await Promise.race(stalls.map((stall) => stall.reached));
  for (const gateway of [a, b]) {
    await eventually(
      async () => (await getJson<{ status: string }>(`${gateway.url}/api/jobs/${heldId}`)).status === 'in_progress',
      LEASE_TTL_MS,
      `${gateway === a ? 'ga' : 'gb'} shows the prompt running`,
    );
    const listed = await getJson<{ jobs: { id: string }[] }>(`${gateway.url}/api/jobs?status=in_progress`);
    assert.ok(listed.jobs.some((job) => job.id === heldId));
  }
  for (const fake of [extra, ...fakes]) fake.control.releaseStalls();

  // The gateway that added it dies: the backend is still driven, by the one left.
  await stopService(a);
  services.delete('ga');
  await eventually(async () => (await health(b)).backends.every((x) => x.gateway === 'gb'), LEASE_TTL_MS * 3, 'gb drives all three');
  const clientId = randomUUID();
  const watcher = await ComfyTestClient.connect(`ws://127.0.0.1:${b.port}`, clientId);
  t.after(() => watcher.close());
  for (const fake of [extra, ...fakes]) fake.control.setNodeDelay(30);
  const ids: string[] = [];
  // Six at once over three backends (one running and one prefetched each): the added one takes some.
  for (let i = 0; i < 6; i += 1) {
    const submitted = await postJson(`${b.url}/prompt`, { prompt: simpleGraph(i + 1), client_id: clientId });
    assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
    ids.push((submitted.body as { prompt_id: string }).prompt_id);
  }
  for (const id of ids) await watcher.waitForDone(id, 20_000);
  assert.ok(extra.control.received.prompts.some((p) => p.promptId !== undefined && ids.includes(p.promptId)), 'the added backend ran some');

  const removed = await fetch(`${b.url}/automa/backends/extra`, { method: 'DELETE' });
  assert.ok(removed.status === 204 || removed.status === 202);
  await eventually(async () => (await stateOn(b, 'extra')) === undefined, LEASE_TTL_MS * 3, 'gone');
});

test('a message longer than one notification (a long traceback) reaches a client on the other gateway whole', async (t) => {
  const { services, fakes } = await startCluster(t, ['ga', 'gb'], 2);
  const a = service(services, 'ga');
  const b = service(services, 'gb');
  const spread = await waitForSpread(a, ['ga', 'gb']);
  // 20 KB of exception_message, with characters that take more than one byte.
  const message = 'Überlauf im Knoten — '.repeat(1_000);
  for (const fake of fakes) {
    fake.control.setNodeDelay(20);
    fake.control.failNode({ classType: 'ImageInvert' }, { message });
  }
  const clientId = randomUUID();
  const watcher = await ComfyTestClient.connect(`ws://127.0.0.1:${b.port}`, clientId);
  t.after(() => watcher.close());
  const ids: string[] = [];
  // Four at once: each backend (one per gateway) takes a running and a prefetched one.
  for (let i = 0; i < 4; i++) ids.push(((await postJson(`${a.url}/prompt`, { prompt: simpleGraph(i + 1), client_id: clientId })).body as { prompt_id: string }).prompt_id);
  for (const id of ids) await watcher.waitForDone(id, 20_000);
  const drivenByA = spread.backends.filter((x) => x.gateway === 'ga').map((x) => Number(x.name.slice(1)));
  const ranOnA = ids.filter((id) => drivenByA.some((i) => fakes[i]?.control.received.prompts.some((p) => p.promptId === id)));
  assert.ok(ranOnA.length > 0, 'some ran on a backend gateway A drives (their frames were relayed to B)');
  for (const id of ids) {
    const error = watcher.framesOf(id).find((f) => f.type === 'execution_error');
    assert.ok(error, `${id}: ${watcher.framesOf(id).map((f) => f.type).join(',')}`);
    assert.equal((error.data as { exception_message: string }).exception_message.trimEnd(), message.trimEnd());
  }
});
