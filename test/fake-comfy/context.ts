/** What the routes of a running fake see: the current life (queue, executor, sockets) and its setup. */
import type { CustomValidations, ObjectInfo } from '../../src/upstream/protocol/index.js';
import type { Executor } from './executor.js';
import type { Dirs } from './files.js';
import type { Reply, RequestContext } from './http.js';
import type { PromptQueue } from './queue.js';
import type { FakeComfyVersion } from './options.js';
import type { WsHub } from './ws-hub.js';

/** One run of the server between start and crash: everything ComfyUI keeps in memory. */
export interface Life {
  readonly signal: AbortSignal;
  readonly queue: PromptQueue;
  readonly executor: Executor;
  readonly hub: WsHub;
  /** PromptServer.number: the next queue number; every POST /prompt with JSON takes one. */
  number: number;
}

export interface ReceivedPrompt {
  readonly body: unknown;
  readonly status: number;
  readonly promptId: string | undefined;
  readonly at: number;
}

export interface ReceivedUpload {
  readonly route: string;
  readonly status: number;
  readonly name: string | undefined;
  readonly subfolder: string | undefined;
  readonly type: string | undefined;
}

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

export interface Received {
  readonly prompts: ReceivedPrompt[];
  readonly uploads: ReceivedUpload[];
  readonly requests: ReceivedRequest[];
}

export interface FakeContext {
  /** The ComfyUI version this fake behaves as. */
  readonly version: FakeComfyVersion;
  readonly life: Life;
  readonly dirs: Dirs;
  readonly maxUploadSize: number;
  readonly embeddings: readonly string[];
  readonly received: Received;
  /** folder → files; includes ComfyUI's default (empty) folders. */
  models(): ReadonlyMap<string, readonly string[]>;
  /** object_info as served now: LoadImage lists input/, loaders list the model folders. */
  objectInfo(): ObjectInfo;
  /** VALIDATE_INPUTS checks backed by this fake's folders. */
  customValidations(): CustomValidations;
  serverFeatures(): Record<string, unknown>;
  /** GET /node_replacements (0.14+). */
  nodeReplacements(): unknown;
}

export type Handler = (fake: FakeContext, request: RequestContext) => Promise<Reply> | Reply;

export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** With {name} placeholders for one path segment each. */
  readonly path: string;
  /** Also served under /api (everything but /internal/* and the /api-only routes). */
  readonly mirrored: boolean;
  readonly handler: Handler;
  /** The first ComfyUI version with this route; older fakes answer 404 for it. */
  readonly since?: string;
}

export const route = (method: Route['method'], path: string, handler: Handler, mirrored = true, since?: string): Route => ({
  method,
  path,
  mirrored,
  handler,
  ...(since !== undefined && { since }),
});
