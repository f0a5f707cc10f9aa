/**
 * Shared set-up for the pool tests: several fake ComfyUIs with different node sets and model
 * lists behind one gateway, and small readers for where each prompt ran.
 */
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { TestContext } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { eventually, getJson } from '../helpers/comfy-client.js';
import { startFakeComfy, type FakeComfy, type FakeComfyOptions } from '../fake-comfy/server.js';

export interface BackendView {
  name: string;
  url: string;
  state: 'up' | 'down' | 'draining';
  running: string[];
  prefetched: string[];
  last_error: string | null;
  devices: unknown[];
  node_classes: number;
  models_known: number;
}

/** The classes every fake offers: enough for image graphs and a checkpoint shown by PreviewAny. */
export const BASE_CLASSES = ['EmptyImage', 'ImageInvert', 'SaveImage', 'PreviewImage', 'PreviewAny', 'CheckpointLoaderSimple'] as const;

/**
 * Three backends: all share `shared.safetensors`; `a` and `b` each have a checkpoint of their own;
 * only `c` has ImageBlur.
 */
export const THREE: Readonly<Record<'a' | 'b' | 'c', FakeComfyOptions>> = {
  a: { nodeClasses: [...BASE_CLASSES], models: { checkpoints: ['shared.safetensors', 'only-a.safetensors'] }, embeddings: ['emb-a', 'emb-shared'] },
  b: { nodeClasses: [...BASE_CLASSES], models: { checkpoints: ['shared.safetensors', 'only-b.safetensors'], loras: ['lora-b.safetensors'] }, embeddings: ['emb-shared', 'emb-b'] },
  c: { nodeClasses: [...BASE_CLASSES, 'ImageBlur'], models: { checkpoints: ['shared.safetensors'] } },
};

/** Start fakes named by the keys of `specs`; each is closed in t.after. */
export async function startFakes<K extends string>(t: TestContext, specs: Readonly<Record<K, FakeComfyOptions>>): Promise<Record<K, FakeComfy>> {
  const entries = await Promise.all(
    (Object.entries(specs) as [K, FakeComfyOptions][]).map(async ([name, options]) => [name, await startFakeComfy(options)] as const),
  );
  for (const [, fake] of entries) t.after(() => fake.close());
  return Object.fromEntries(entries) as Record<K, FakeComfy>;
}

/** `--comfyui name=url` for each fake, in the given order. */
export function backendArgs(fakes: Readonly<Record<string, FakeComfy>>): string[] {
  return Object.entries(fakes).flatMap(([name, fake]) => ['--comfyui', `${name}=${fake.url}`]);
}

/** Start the gateway (closed in t.after) and wait until the named backends are up. */
export async function startGateway(
  t: TestContext,
  argv: readonly string[],
  options: { dataDir?: string; waitFor?: readonly string[] } = {},
): Promise<TestApp> {
  const app = await startTestApp(argv, options.dataDir === undefined ? {} : { dataDir: options.dataDir });
  t.after(() => app.close());
  if (options.waitFor) await waitForState(app, options.waitFor, 'up');
  return app;
}

export async function backends(app: TestApp): Promise<BackendView[]> {
  return (await getJson<{ backends: BackendView[] }>(`${app.url}/automa/backends`)).backends;
}

/** Wait until every named backend shows `state` (and, for 'up', has reported its node classes). */
export async function waitForState(app: TestApp, names: readonly string[], state: BackendView['state']): Promise<void> {
  await eventually(
    async () => {
      const views = await backends(app);
      return names.every((name) => views.some((v) => v.name === name && v.state === state && (state !== 'up' || v.node_classes > 0)));
    },
    10_000,
    `${names.join(', ')} ${state}`,
  );
}

/** Prompt ids a fake accepted (200) through POST /prompt, in order. */
export function acceptedBy(fake: FakeComfy): string[] {
  return fake.control.received.prompts.filter((p) => p.status === 200 && p.promptId !== undefined).map((p) => p.promptId as string);
}

/** Which fake accepted the prompt (the last one, if it moved). */
export function ranOn(fakes: Readonly<Record<string, FakeComfy>>, promptId: string): string | undefined {
  let where: string | undefined;
  let at = -1;
  for (const [name, fake] of Object.entries(fakes)) {
    for (const p of fake.control.received.prompts) {
      if (p.status === 200 && p.promptId === promptId && p.at >= at) {
        where = name;
        at = p.at;
      }
    }
  }
  return where;
}

/** An image graph; `tag` makes it distinct so no backend answers it from its cache. */
export function imageGraph(tag: number, options: { blur?: boolean } = {}): Record<string, unknown> {
  const graph: Record<string, unknown> = {
    '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: tag } },
    '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
    '3': { class_type: 'SaveImage', inputs: { images: [options.blur ? '4' : '2', 0], filename_prefix: `pool-${tag}` } },
  };
  if (options.blur) graph['4'] = { class_type: 'ImageBlur', inputs: { image: ['2', 0], blur_radius: 1, sigma: 1 } };
  return graph;
}

/** A graph that loads a checkpoint (shown by PreviewAny) next to a distinct image graph. */
export function checkpointGraph(ckpt: string, tag: number): Record<string, unknown> {
  return {
    ...imageGraph(tag),
    '10': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: ckpt } },
    '11': { class_type: 'PreviewAny', inputs: { source: ['10', 0] } },
  };
}

/**
 * Replay a WebSocket upgrade request byte for byte to 127.0.0.1:`targetPort` at `path` and splice
 * the two sockets: a stand-in for a plain TCP-level reverse proxy in front of a backend.
 */
export function forwardUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, targetPort: number, path: string): void {
  const upstream = net.connect(targetPort, '127.0.0.1', () => {
    const lines = [`GET ${path} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    upstream.write(head);
    upstream.pipe(socket).pipe(upstream);
  });
  for (const s of [socket, upstream]) s.on('error', () => undefined);
  socket.on('close', () => upstream.destroy());
  upstream.on('close', () => socket.destroy());
}
