/**
 * ComfyUI's /ws messages as the app reads them: decoding binary frames and folding JSON
 * messages into per-prompt progress. Pure functions, tested without a socket.
 */

/** A preview image from a binary frame; `promptId` is known for type-4 frames only. */
export interface PreviewFrame {
  readonly promptId: string | null;
  readonly nodeId: string | null;
  readonly mime: string;
  readonly image: Uint8Array;
}

const PREVIEW_IMAGE = 1;
const PREVIEW_IMAGE_WITH_METADATA = 4;

/**
 * Decode a binary frame: type 1 is `[u32 1][u32 format: 1 JPEG, 2 PNG][image]`, type 4 is
 * `[u32 4][u32 n][n bytes of JSON metadata][image]`. Other types (3: progress text) → null.
 */
export function decodePreview(buffer: ArrayBuffer): PreviewFrame | null {
  if (buffer.byteLength < 8) return null;
  const view = new DataView(buffer);
  const type = view.getUint32(0);
  if (type === PREVIEW_IMAGE) {
    const format = view.getUint32(4);
    return { promptId: null, nodeId: null, mime: format === 2 ? 'image/png' : 'image/jpeg', image: new Uint8Array(buffer, 8) };
  }
  if (type === PREVIEW_IMAGE_WITH_METADATA) {
    const length = view.getUint32(4);
    if (8 + length > buffer.byteLength) return null;
    let metadata: Record<string, unknown>;
    try {
      metadata = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 8, length))) as Record<string, unknown>;
    } catch {
      return null;
    }
    return {
      promptId: typeof metadata.prompt_id === 'string' ? metadata.prompt_id : null,
      nodeId: typeof metadata.node_id === 'string' ? metadata.node_id : null,
      mime: typeof metadata.image_type === 'string' ? metadata.image_type : 'image/png',
      image: new Uint8Array(buffer, 8 + length),
    };
  }
  return null;
}

/** How far one running prompt is, from the progress messages seen so far. */
export interface PromptProgress {
  /** The node that reported last. */
  readonly node: string | null;
  /** Steps of that node. */
  readonly value: number;
  readonly max: number;
  /**
   * From progress_state: the work done in nodes (a finished node counts 1, a running one the
   * share of its steps) and how many nodes it listed, for the prompt's overall progress.
   */
  readonly nodesDone: number;
  readonly nodesTotal: number;
}

export type ProgressMap = ReadonlyMap<string, PromptProgress>;

interface Message {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/** Parse a text frame; anything that isn't `{type, data}` → null. */
export function parseMessage(text: string): Message | null {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null) return null;
    const { type, data } = value as { type?: unknown; data?: unknown };
    if (typeof type !== 'string' || typeof data !== 'object' || data === null) return null;
    return { type, data: data as Record<string, unknown> };
  } catch {
    return null;
  }
}

const EMPTY: PromptProgress = { node: null, value: 0, max: 0, nodesDone: 0, nodesTotal: 0 };

/** The progress map after one message (the same map when the message changes nothing). */
export function applyMessage(progress: ProgressMap, message: Message): ProgressMap {
  const promptId = typeof message.data.prompt_id === 'string' ? message.data.prompt_id : null;
  if (promptId === null) return progress;
  const before = progress.get(promptId) ?? EMPTY;
  switch (message.type) {
    case 'progress': {
      const value = Number(message.data.value);
      const max = Number(message.data.max);
      if (!Number.isFinite(value) || !Number.isFinite(max)) return progress;
      const node = typeof message.data.node === 'string' ? message.data.node : before.node;
      return new Map(progress).set(promptId, { ...before, node, value, max });
    }
    case 'progress_state': {
      const nodes = message.data.nodes;
      if (typeof nodes !== 'object' || nodes === null) return progress;
      const states = Object.values(nodes as Record<string, { state?: unknown; value?: unknown; max?: unknown }>);
      let nodesDone = 0;
      for (const node of states) {
        if (node.state === 'finished') nodesDone += 1;
        else if (node.state === 'running' && Number(node.max) > 0) nodesDone += Math.min(1, Math.max(0, Number(node.value) / Number(node.max)));
      }
      return new Map(progress).set(promptId, { ...before, nodesDone, nodesTotal: states.length });
    }
    case 'execution_success':
    case 'execution_error':
    case 'execution_interrupted': {
      const next = new Map(progress);
      next.delete(promptId);
      return next;
    }
    default:
      return progress;
  }
}

/** Message types after which the queue, history or pool look different. */
export const QUEUE_CHANGING = new Set(['status', 'execution_start', 'execution_success', 'execution_error', 'execution_interrupted', 'execution_cached']);

/**
 * 0..100 for a progress bar, or null when nothing is known yet. Overall by nodes when the
 * prompt's size is known (progress_state lists only nodes that started, so the prompt's own node
 * count is the denominator), else the current node's steps.
 */
export function percentOf(progress: PromptProgress | undefined, promptNodes = 0): number | null {
  if (progress === undefined) return null;
  const total = Math.max(promptNodes, progress.nodesTotal);
  if (total > 0 && progress.nodesTotal > 0) return Math.min(100, Math.round((progress.nodesDone / total) * 100));
  if (progress.max > 0) return Math.round(Math.min(1, progress.value / progress.max) * 100);
  return null;
}
