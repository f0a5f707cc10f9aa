/**
 * Several gateways on one PostgreSQL (issue 18): how many prompts per second `POST /prompt`
 * acknowledges durably with one gateway and with two on the same database (the clients split
 * between them), against a raw `INSERT` of the same row through `pg` at the same concurrency and
 * against the SQLite store's POST /prompt, all in the same run; and how long after a `kill -9` of
 * a gateway the survivor drives its backends, against the lease TTL.
 *
 * The machine has 2 CPUs for PostgreSQL, the gateways and the load generator together, so the
 * gateways are not pinned to the service CPU here: they float over both CPUs as PostgreSQL does
 * (the bench process, autocannon in it, stays on its own CPU as everywhere else).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import { promptSearchText } from '../../src/store/prompt-search.js';
import { createPostgresStore } from '../../src/store/postgres/store.js';
import { backendsUp, repeated, until, type BenchContext } from '../lib/context.js';
import { startFakes } from '../lib/fakes.js';
import { fire, median, progress } from '../lib/load.js';
import { USER_HZ } from '../lib/proc.js';
import { row, type ScenarioRow } from '../lib/report.js';
import type { Service } from '../lib/service.js';
import { simpleGraph } from './read-routes.js';

const CLIENT = 'bench-cluster';
/** autocannon connections in every throughput figure, split evenly over the gateways. */
const CONNECTIONS = 16;
const LEASE_TTL_MS = 3_000;
/** Where the gateways run: both CPUs, shared with PostgreSQL (see the header). */
const ALL_CPUS = '0-1';

/** AUTOMA_BENCH_POSTGRES_URL, else the local server scripts/start-postgres.sh answers with (or starts). */
function postgresUrl(root: string): string {
  const fromEnv = process.env.AUTOMA_BENCH_POSTGRES_URL;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return execFileSync('bash', ['scripts/start-postgres.sh'], { cwd: root, encoding: 'utf8' }).trim();
}

/** A schema of the measurement's own: every figure starts from empty tables. */
async function withSchema<T>(url: string, work: (database: string, schema: string) => Promise<T>): Promise<T> {
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const database = new URL(url);
  database.searchParams.set('schema', schema);
  try {
    return await work(database.toString(), schema);
  } finally {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`SET lock_timeout = '10s'`);
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await client.end();
    }
  }
}

/** CPU time of every `postgres` process on the machine (the server is shared by nothing else during the group). */
function postgresCpuMs(): number {
  let ticks = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone between readdir and read
    }
  }
  return (ticks * 1000) / USER_HZ;
}

interface Throughput {
  readonly rps: number;
  /** Gateway CPU (all gateways) per acknowledged prompt, µs. */
  readonly gatewayUs: number;
  /** PostgreSQL CPU (all its processes) per acknowledged prompt, µs. */
  readonly postgresUs: number;
}

const body = JSON.stringify({ prompt: simpleGraph(7), client_id: CLIENT });

/** POST /prompt for `seconds` on every service at once, CONNECTIONS split between them. */
async function postPrompts(services: readonly Service[], seconds: number): Promise<Throughput> {
  const connections = Math.max(1, Math.floor(CONNECTIONS / services.length));
  const load = (service: Service, s: number) =>
    fire({ url: `${service.url}/prompt`, connections, method: 'POST', body, headers: { 'content-type': 'application/json' }, seconds: s });
  await Promise.all(services.map((service) => load(service, 1)));
  const cpuBefore = services.map((service) => service.figures().cpuMs);
  const pgBefore = postgresCpuMs();
  const results = await Promise.all(services.map((service) => load(service, seconds)));
  const gatewayMs = services.reduce((sum, service, i) => sum + service.figures().cpuMs - (cpuBefore[i] ?? 0), 0);
  const postgresMs = postgresCpuMs() - pgBefore;
  const ok = results.reduce((sum, r) => sum + r.ok, 0);
  const elapsed = Math.max(...results.map((r) => r.seconds));
  return { rps: ok / elapsed, gatewayUs: (gatewayMs * 1000) / Math.max(1, ok), postgresUs: (postgresMs * 1000) / Math.max(1, ok) };
}

/** `count` gateways on a fresh schema, the backend down so prompts stay queued; POST /prompt on all. */
async function gatewaysRate(ctx: BenchContext, url: string, count: number, seconds: number): Promise<Throughput> {
  return withSchema(url, async (database) => {
    const services: Service[] = [];
    try {
      // One after another: the first migrates the schema.
      for (let i = 0; i < count; i++) {
        services.push(
          await ctx.launcher.start({
            label: ctx.profileLabel(`cluster-g${count}-${i}`),
            args: ['--database', database, '--gateway-id', `g${i}`, '--comfyui', 'http://127.0.0.1:1'],
            cpus: ALL_CPUS,
          }),
        );
      }
      return await postPrompts(services, seconds);
    } finally {
      await Promise.all(services.map((service) => service.stop()));
    }
  });
}

/** The SQLite store's POST /prompt, run the same way (CPU placement, connections, fresh data dir). */
async function sqliteRate(ctx: BenchContext, seconds: number): Promise<Throughput> {
  const service = await ctx.launcher.start({ label: ctx.profileLabel('cluster-sqlite'), args: ['--comfyui', 'http://127.0.0.1:1'], cpus: ALL_CPUS });
  try {
    return await postPrompts([service], seconds);
  } finally {
    await service.stop();
  }
}

/**
 * The row POST /prompt stores, inserted through `pg` with the store's own statement (one
 * autocommitted INSERT each, so one durable commit per prompt) on CONNECTIONS connections,
 * in a schema the store migrated (its triggers fire as they do for the gateway).
 */
async function rawInsertRate(url: string, seconds: number): Promise<number> {
  return withSchema(url, async (database, schema) => {
    const store = await createPostgresStore({ url: database });
    await store.close();
    const clients = Array.from({ length: CONNECTIONS }, () => new pg.Client({ connectionString: url, options: `-c search_path=${schema}` }));
    await Promise.all(clients.map((client) => client.connect()));
    try {
      const graph = simpleGraph(7);
      const promptJson = JSON.stringify(graph);
      const outputs = JSON.stringify(Object.keys(graph));
      const search = promptSearchText(graph);
      let number = 0;
      const insert = (client: pg.Client): Promise<unknown> => {
        const now = Date.now();
        return client.query({
          name: 'bench-insert',
          text: `INSERT INTO prompts (id, number, state, client_id, prompt, extra_data, outputs_to_execute, create_time, search_text)
                 VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING RETURNING seq`,
          values: [randomUUID(), number++, CLIENT, promptJson, JSON.stringify({ client_id: CLIENT, create_time: now }), outputs, now, search],
        });
      };
      const run = async (ms: number): Promise<{ count: number; seconds: number }> => {
        const started = performance.now();
        const deadline = started + ms;
        let count = 0;
        await Promise.all(
          clients.map(async (client) => {
            while (performance.now() < deadline) {
              await insert(client);
              count += 1;
            }
          }),
        );
        return { count, seconds: (performance.now() - started) / 1000 };
      };
      await run(500);
      const { count, seconds: took } = await run(seconds * 1000);
      return count / took;
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
  });
}

interface Health {
  backends: { name: string; state: string; gateway?: string | null }[];
}
const health = async (service: Service): Promise<Health> => (await (await fetch(`${service.url}/automa/health`)).json()) as Health;

/**
 * Two gateways share two fake backends (one each); `kill -9` of one; the time until the
 * survivor's /automa/health shows it driving both, with both up.
 */
async function takeoverMs(ctx: BenchContext, url: string, backendUrls: readonly string[]): Promise<number> {
  return withSchema(url, async (database) => {
    const services: Service[] = [];
    try {
      for (const id of ['ga', 'gb']) {
        services.push(
          await ctx.launcher.start({
            label: ctx.profileLabel(`cluster-takeover-${id}`),
            args: ['--database', database, '--gateway-id', id, '--lease-ttl', String(LEASE_TTL_MS), ...backendUrls.flatMap((u, i) => ['--comfyui', `b${i}=${u}`])],
            cpus: ALL_CPUS,
          }),
        );
      }
      const [victim, survivor] = services as [Service, Service];
      await backendsUp(survivor, backendUrls.length);
      await until(async () => {
        const holders = (await health(survivor)).backends.map((b) => b.gateway);
        return holders.includes('ga') && holders.includes('gb');
      }, 'backends spread over both gateways', LEASE_TTL_MS * 10);
      const killed = performance.now();
      process.kill(victim.pid, 'SIGKILL');
      await until(async () => (await health(survivor)).backends.every((b) => b.gateway === 'gb' && b.state === 'up'), 'survivor drives every backend', LEASE_TTL_MS * 10);
      return performance.now() - killed;
    } finally {
      await Promise.all(services.map((service) => service.stop()));
    }
  });
}

export async function clusterScenarios(ctx: BenchContext): Promise<ScenarioRow[]> {
  const url = postgresUrl(ctx.root);
  const seconds = ctx.size(5, 2);
  const one: Throughput[] = [];
  const two: Throughput[] = [];
  const sqlite: Throughput[] = [];
  const pick = (list: Throughput[], into: (t: Throughput) => number): number => median(list.map(into));

  // Each repeat measures all four, starting one later each time, so a drift of the shared
  // machine's speed during the run hits every figure alike.
  const raw: number[] = [];
  const runs: (() => Promise<void>)[] = [
    async () => void raw.push(await rawInsertRate(url, seconds)),
    async () => void one.push(await gatewaysRate(ctx, url, 1, seconds)),
    async () => void two.push(await gatewaysRate(ctx, url, 2, seconds)),
    async () => void sqlite.push(await sqliteRate(ctx, seconds)),
  ];
  for (let i = 0; i < ctx.repeats; i++) for (let k = 0; k < runs.length; k++) await (runs[(i + k) % runs.length] as () => Promise<void>)();
  const list = (values: readonly number[]): string => values.map((v) => Math.round(v)).join(' / ');
  progress(`  POST /prompt prompts/s: PostgreSQL 1 gateway ${list(one.map((t) => t.rps))} · 2 gateways ${list(two.map((t) => t.rps))}`);
  progress(`  baselines prompts/s: raw pg INSERT ${list(raw)} · SQLite POST /prompt ${list(sqlite.map((t) => t.rps))}`);
  const oneRate = pick(one, (t) => t.rps);
  const twoRate = pick(two, (t) => t.rps);
  const sqliteRps = pick(sqlite, (t) => t.rps);
  progress(
    `  CPU per prompt: 1 gateway ${Math.round(pick(one, (t) => t.gatewayUs))} µs + postgres ${Math.round(pick(one, (t) => t.postgresUs))} µs; ` +
      `2 gateways ${Math.round(pick(two, (t) => t.gatewayUs))} µs + postgres ${Math.round(pick(two, (t) => t.postgresUs))} µs`,
  );

  const fakes = await startFakes(ctx.root, { count: 2, unknownNodeDelayMs: 0 });
  let takeover: { value: number; values: readonly number[] };
  try {
    takeover = await repeated(`takeover after kill -9 (lease TTL ${LEASE_TTL_MS} ms)`, ctx.repeats, () =>
      takeoverMs(
        ctx,
        url,
        fakes.fakes.map((f) => f.url),
      ),
    );
  } finally {
    await fakes.stop();
  }

  const shared = '2 CPUs shared by PostgreSQL, the gateways and the load generator';
  return [
    row({
      name: `POST /prompt on PostgreSQL, 1 gateway (${CONNECTIONS} connections, backend down; ${shared})`,
      value: oneRate,
      unit: 'prompts/s',
      baseline: `raw pg INSERT of the same row, one commit each, ${CONNECTIONS} connections, bench process`,
      baselineValue: median(raw),
    }),
    row({ name: 'POST /prompt on PostgreSQL, 1 gateway: durable rate', value: oneRate, unit: 'prompts/s', target: 2000 }),
    row({
      name: `POST /prompt on PostgreSQL, 2 gateways on one database (${CONNECTIONS / 2} connections each; ${shared})`,
      value: twoRate,
      unit: 'prompts/s',
      baseline: 'the same with 1 gateway',
      baselineValue: oneRate,
      target: 1.7,
    }),
    row({
      name: 'POST /prompt on PostgreSQL, 1 gateway vs SQLite',
      value: oneRate,
      unit: 'prompts/s',
      baseline: 'POST /prompt on the SQLite store, same placement and connections',
      baselineValue: sqliteRps,
    }),
    row({ name: 'POST /prompt on PostgreSQL, 1 gateway: gateway CPU per prompt', value: pick(one, (t) => t.gatewayUs), unit: 'µs', lowerIsBetter: true }),
    row({ name: 'POST /prompt on PostgreSQL, 1 gateway: PostgreSQL CPU per prompt', value: pick(one, (t) => t.postgresUs), unit: 'µs', lowerIsBetter: true }),
    row({ name: 'POST /prompt on PostgreSQL, 2 gateways: gateway CPU per prompt (both)', value: pick(two, (t) => t.gatewayUs), unit: 'µs', lowerIsBetter: true }),
    row({ name: 'POST /prompt on PostgreSQL, 2 gateways: PostgreSQL CPU per prompt', value: pick(two, (t) => t.postgresUs), unit: 'µs', lowerIsBetter: true }),
    row({ name: 'POST /prompt on SQLite: service CPU per prompt', value: pick(sqlite, (t) => t.gatewayUs), unit: 'µs', lowerIsBetter: true }),
    row({
      name: `backend takeover after kill -9 of a gateway (2 gateways, 2 backends, --lease-ttl ${LEASE_TTL_MS}): kill → survivor's /automa/health drives both`,
      value: takeover.value,
      unit: 'ms',
      target: LEASE_TTL_MS + 2000,
      lowerIsBetter: true,
    }),
  ];
}
