/** Messages between the bench and bench/fake-main.ts (Node IPC): requests with an id, and events. */

export interface FakeMainOptions {
  /** How many fake ComfyUI servers this child runs (the scheduling scenario uses 16). */
  readonly count: number;
  /** /embeddings of every fake: the bench sizes it to a ~1 KB JSON body. */
  readonly embeddings?: readonly string[];
  readonly maxUploadSize?: number;
  /** How long a node the fake does not simulate (PreviewAny…) takes; the bench uses 0. */
  readonly unknownNodeDelayMs?: number;
}

export interface FakeInfo {
  readonly url: string;
  readonly wsUrl: string;
  readonly inputDir: string;
}

export type FakeRequest =
  /** Send `count` frames to one client of fake `fake` (`bytes`-long binary frames or small JSON text frames). */
  | { readonly cmd: 'blast'; readonly fake: number; readonly clientId: string; readonly count: number; readonly binary: boolean; readonly bytes: number }
  /** Nodes of `classType` report `steps` progress steps on every fake (0: back to no steps). */
  | { readonly cmd: 'steps'; readonly classType: string; readonly steps: number }
  /** Put `count` copies of `entry` (fresh ids) in fake `fake`'s in-memory history. */
  | { readonly cmd: 'seedHistory'; readonly fake: number; readonly count: number; readonly entry: Record<string, unknown> }
  /** A file of `bytes` (ASCII text) in fake `fake`'s input folder. */
  | { readonly cmd: 'writeInput'; readonly fake: number; readonly name: string; readonly bytes: number }
  /** Start or stop reporting every POST /prompt the fakes receive as a 'received' event. */
  | { readonly cmd: 'watchPrompts'; readonly on: boolean }
  /** Forget what the fakes recorded (their request log grows with every request). */
  | { readonly cmd: 'resetReceived' }
  /** Whether each fake has an open socket for this client id. */
  | { readonly cmd: 'connected'; readonly clientId: string }
  /** Nodes of `classType` block on every fake until `on: false` releases them (prompts stay queued). */
  | { readonly cmd: 'stall'; readonly classType: string; readonly on: boolean };

export type FakeMessage =
  | { readonly type: 'ready'; readonly fakes: readonly FakeInfo[] }
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly error: string }
  /** A fake's POST /prompt handler ran; `at` is performance.timeOrigin + performance.now() there. */
  | { readonly type: 'received'; readonly fake: number; readonly promptId: string | undefined; readonly at: number };

export type FakeEnvelope = FakeRequest & { readonly id: number };
