/**
 * startFakeComfy: a real ComfyUI look-alike on 127.0.0.1:<port> (HTTP + /ws), in-process, with
 * controls for tests. Queue, history, cache and sockets live in a "life" that a crash throws away
 * and a restart replaces, like a ComfyUI process; the folders (input/, output/) survive restarts.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { CustomValidations, ObjectInfo } from '../../src/upstream/protocol/index.js';
import { createHttpServer } from './app.js';
import { Behaviors } from './behaviors.js';
import type { FakeContext, Life, Received } from './context.js';
import { createControl, type FakeControl } from './control.js';
import { Executor } from './executor.js';
import { clearTemp, createDirs, existsAnnotated, listInputImages, type Dirs } from './files.js';
import { DEFAULT_MAX_UPLOAD_SIZE, MODEL_FOLDERS, MODEL_FOLDERS_0_33, MODEL_INPUTS, type FakeComfyOptions, type FakeComfyVersion } from './options.js';
import { PromptQueue } from './queue.js';
import { loadRecordedNodeReplacements, loadRecordedObjectInfo, pickNodeClasses, recordingsDirFor } from './recordings.js';
import { runWorker } from './worker.js';
import { WsHub } from './ws-hub.js';

export type { FakeComfyOptions, FakeComfyVersion } from './options.js';
export type { FakeControl } from './control.js';

export interface FakeComfy {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** ws://127.0.0.1:<port>/ws (add ?clientId=…) */
  readonly wsUrl: string;
  readonly port: number;
  readonly dirs: Dirs;
  readonly control: FakeControl;
  /** Stop everything and remove the data dir if the fake created it. */
  close(): Promise<void>;
}

const FILE_CHECKS: Readonly<Record<string, [input: string, what: string]>> = {
  LoadImage: ['image', 'image'],
  LoadImageMask: ['image', 'image'],
  LoadImageOutput: ['image', 'image'],
  LoadLatent: ['latent', 'latent'],
  LoadAudio: ['audio', 'audio'],
  LoadVideo: ['file', 'video'],
};

export class FakeServer {
  readonly behaviors = new Behaviors();
  readonly events = new EventEmitter();
  readonly received: Received = { prompts: [], uploads: [], requests: [] };
  readonly models: Map<string, readonly string[]>;
  readonly dirs: Dirs;
  readonly version: FakeComfyVersion;
  /** GET /node_replacements (0.14+): the recorded registrations; empty for older versions. */
  readonly nodeReplacements: unknown;
  objectInfoBase: ObjectInfo;
  life: Life | undefined;
  port = 0;
  private server: http.Server | undefined;
  private worker: Promise<void> | undefined;
  private abortController: AbortController | undefined;

  constructor(readonly options: FakeComfyOptions, private readonly ownsDataDir: boolean) {
    this.dirs = createDirs(options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'fake-comfy-')));
    this.version = options.comfyuiVersion ?? '0.8.0';
    const recordings = recordingsDirFor(this.version);
    const info = options.objectInfo ?? loadRecordedObjectInfo(recordings);
    this.objectInfoBase = options.nodeClasses ? pickNodeClasses(info, options.nodeClasses) : info;
    this.nodeReplacements = this.version === '0.8.0' ? {} : loadRecordedNodeReplacements(recordings);
    const folders = this.version === '0.8.0' ? MODEL_FOLDERS : MODEL_FOLDERS_0_33;
    this.models = new Map(folders.map((folder) => [folder, options.models?.[folder] ?? []]));
    for (const [folder, files] of Object.entries(options.models ?? {})) this.models.set(folder, files);
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** Listen (on `port`, 0 = any) with a fresh life: empty queue, history, cache and socket table. */
  async start(port: number): Promise<void> {
    clearTemp(this.dirs);
    const abort = new AbortController();
    let hub!: WsHub;
    const queue = new PromptQueue(() => hub.send('status', { status: hub.queueInfo() }, null));
    const executor: Executor = new Executor({
      objectInfo: () => this.objectInfo(),
      dirs: this.dirs,
      messenger: { send: (e, d, s) => hub.send(e, d, s), sendBinary: (f, s) => hub.sendBinary(f, s), supportsPreviewMetadata: (s) => hub.supportsPreviewMetadata(s) },
      behaviors: this.behaviors,
      previewMethod: this.options.previewMethod ?? 'none',
      unknownNodeDelayMs: this.options.unknownNodeDelayMs ?? 10,
      signal: abort.signal,
      onNodeStart: (execution) => this.events.emit('node', execution),
    });
    hub = new WsHub({
      queueRemaining: () => queue.remaining(),
      running: () => ({ clientId: queue.runningItems().length > 0 ? executor.clientId : null, lastNodeId: executor.lastNodeId }),
      serverFeatures: () => this.serverFeatures(),
    });
    const life: Life = { signal: abort.signal, queue, executor, hub, number: 0 };
    this.life = life;
    const server = createHttpServer(() => this.context(), { enableCorsHeader: this.options.enableCorsHeader ?? false });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.options.host ?? '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    // A bug in the fake must fail loudly: 'error' without a listener throws.
    this.worker = runWorker(life, (id, entry) => this.events.emit('history', id, entry)).catch((error: unknown) => {
      this.events.emit('error', error);
    });
    this.abortController = abort;
  }

  /** Like a killed process: sockets cut, in-flight requests dropped, memory state lost. */
  async crash(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.abortController?.abort();
    this.life?.hub.dropAll();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await this.worker;
    this.events.emit('crash');
  }

  async close(): Promise<void> {
    await this.crash();
    this.behaviors.reset();
    if (this.ownsDataDir) fs.rmSync(this.dirs.root, { recursive: true, force: true });
  }

  objectInfo(): ObjectInfo {
    const base = this.objectInfoBase;
    const out: Record<string, ObjectInfo[string]> = { ...base };
    const images = listInputImages(this.dirs);
    for (const name of ['LoadImage', 'LoadImageMask']) {
      const node = base[name];
      if (node) out[name] = withChoices(node, 'image', images);
    }
    for (const [name, inputs] of Object.entries(MODEL_INPUTS)) {
      let node = out[name];
      if (!node) continue;
      for (const [input, folder] of Object.entries(inputs)) node = withChoices(node, input, this.models.get(folder) ?? [], true);
      out[name] = node;
    }
    return out;
  }

  customValidations(): CustomValidations {
    return Object.fromEntries(
      Object.entries(FILE_CHECKS).map(([cls, [input, what]]) => [
        cls,
        {
          inputs: [input],
          check: (values: Readonly<Record<string, unknown>>) =>
            existsAnnotated(this.dirs, String(values[input])) || `Invalid ${what} file: ${String(values[input])}`,
        },
      ]),
    );
  }

  /** GET /features and the WS feature_flags answer, keys in the recorded order. */
  serverFeatures(): Record<string, unknown> {
    const maxUploadSize = this.options.maxUploadSize ?? DEFAULT_MAX_UPLOAD_SIZE;
    const extension = { manager: { supports_v4: true } };
    if (this.version === '0.8.0') return { supports_preview_metadata: true, max_upload_size: maxUploadSize, extension };
    return {
      supports_preview_metadata: true,
      supports_model_type_tags: true,
      max_upload_size: maxUploadSize,
      extension,
      node_replacements: true,
      assets: false,
    };
  }

  context(): FakeContext {
    if (!this.life) throw new Error('fake ComfyUI is not running');
    return {
      version: this.version,
      life: this.life,
      dirs: this.dirs,
      maxUploadSize: this.options.maxUploadSize ?? DEFAULT_MAX_UPLOAD_SIZE,
      embeddings: this.options.embeddings ?? [],
      received: this.received,
      models: () => this.models,
      objectInfo: () => this.objectInfo(),
      customValidations: () => this.customValidations(),
      serverFeatures: () => this.serverFeatures(),
      nodeReplacements: () => this.nodeReplacements,
    };
  }
}

/** A copy of `node` whose combo `input` lists `choices` (list-style or COMBO options). */
function withChoices(node: ObjectInfo[string], input: string, choices: readonly string[], keepSpecials = false): ObjectInfo[string] {
  for (const category of ['required', 'optional'] as const) {
    const spec = node.input[category]?.[input];
    if (!spec) continue;
    const [type, extra = {}] = spec;
    const specials = keepSpecials && Array.isArray(type) ? type.filter((c) => !choices.includes(String(c))) : [];
    const next = typeof type === 'string' ? [type, { ...extra, options: [...choices] }] : [[...choices, ...specials], ...(spec.length > 1 ? [extra] : [])];
    return { ...node, input: { ...node.input, [category]: { ...node.input[category], [input]: next } } } as ObjectInfo[string];
  }
  return node;
}

/** Start a fake ComfyUI. Tear it down with `close()` (e.g. in `t.after`). */
export async function startFakeComfy(options: FakeComfyOptions = {}): Promise<FakeComfy> {
  const fake = new FakeServer(options, options.dataDir === undefined);
  await fake.start(options.port ?? 0);
  const control = createControl(fake);
  return {
    get url() {
      return `http://${options.host ?? '127.0.0.1'}:${fake.port}`;
    },
    get wsUrl() {
      return `ws://${options.host ?? '127.0.0.1'}:${fake.port}/ws`;
    },
    get port() {
      return fake.port;
    },
    dirs: fake.dirs,
    control,
    close: () => fake.close(),
  };
}
