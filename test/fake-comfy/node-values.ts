/**
 * What flows between simulated nodes: not tensors, just enough to produce plausible outputs
 * (an image's size, batch and color) and ComfyUI's runtime errors (a blur wider than the image).
 */
import type { NodeInfo } from '../../src/upstream/protocol/index.js';
import type { Dirs } from './files.js';
import type { Rgb } from './images.js';
import type { Preview } from './progress.js';

export interface ImageValue {
  readonly kind: 'IMAGE' | 'MASK' | 'LATENT';
  readonly width: number;
  readonly height: number;
  readonly batch: number;
  readonly rgb: Rgb;
}

export const isImageValue = (value: unknown): value is ImageValue =>
  value !== null && typeof value === 'object' && 'kind' in value && 'width' in value && 'batch' in value;

/** How ComfyUI prints a tensor in execution_error.current_inputs, abridged. */
export function describeValue(value: unknown): unknown {
  if (isImageValue(value)) {
    const [r, g, b] = value.rgb.map((c) => (c / 255).toFixed(4));
    return `tensor([[[[${r}, ${g}, ${b}]]]]) # ${value.kind} ${value.batch}x${value.height}x${value.width}`;
  }
  if (value !== null && typeof value === 'object' && 'kind' in value) return `<${String(value.kind)} object>`;
  return value;
}

/** A Python exception raised while a node runs (→ execution_error). */
export class NodeRuntimeError extends Error {
  constructor(
    readonly pyType: string,
    message: string,
    readonly traceback: readonly string[],
  ) {
    super(message);
  }
}

/** Raised at a node start or progress step after POST /interrupt (→ execution_interrupted). */
export class Interrupted extends Error {
  constructor() {
    super('Processing interrupted');
  }
}

/** Everything a simulated node may use while it runs. */
export interface NodeRun {
  readonly promptId: string;
  readonly nodeId: string;
  readonly classType: string;
  readonly info: NodeInfo;
  /** Constants as validated, links replaced by the upstream node's output. */
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly prompt: Readonly<Record<string, unknown>>;
  readonly extraData: Readonly<Record<string, unknown>>;
  readonly dirs: Dirs;
  /** Survives across prompts for this node id and class, like ComfyUI's object cache. */
  readonly objectState: Record<string, unknown>;
  /** Whether progress steps carry previews (--preview-method or extra_data.preview_method). */
  readonly previews: boolean;
  /** Milliseconds the node should take in total (spread over its progress steps). */
  readonly delayMs: number;
  /** Progress steps a test asked for (overrides the node's own notion). */
  readonly steps: number | undefined;
  /** ComfyUI's progress hook: checks for interrupt, then progress_state / preview / progress. */
  progress(value: number, max: number, preview?: Preview): void;
  /** PromptServer.send_progress_text: a type-3 frame. */
  text(message: string): void;
  /** Wait `ms`, ending early only when the fake crashes. */
  sleep(ms: number): Promise<void>;
}

export interface NodeResult {
  readonly outputs: readonly unknown[];
  readonly ui?: Record<string, unknown>;
}
