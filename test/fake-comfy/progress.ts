/**
 * comfy_execution.progress with its WebUI handler: every start/update/finish of a node sends a
 * progress_state frame listing all non-pending nodes of the prompt. A started node reads 0.0/1.0
 * (floats), a node finished from cache 1/1 (ints), progress steps carry the node's own numbers.
 * A preview travels as a type-4 frame here only if the client negotiated preview metadata.
 */
import {
  encodePreviewImage,
  encodePreviewWithMetadata,
  PyFloat,
  type PreviewFormatName,
} from '../../src/upstream/protocol/index.js';

export interface Messenger {
  send(event: string, data: unknown, sid: string | null): void;
  sendBinary(frame: Buffer, sid: string | null): void;
  supportsPreviewMetadata(sid: string | null): boolean;
}

export interface Preview {
  readonly format: PreviewFormatName;
  readonly image: Buffer;
}

type Numberish = number | PyFloat;

interface Entry {
  state: 'pending' | 'running' | 'finished';
  value: Numberish;
  max: Numberish;
}

export class ProgressRegistry {
  private readonly nodes = new Map<string, Entry>();

  /** `target` is the prompt's client id; null sends to everyone, as ComfyUI does without one. */
  constructor(
    private readonly promptId: string,
    private readonly target: string | null,
    private readonly messenger: Messenger,
  ) {}

  start(id: string): void {
    this.nodes.set(id, { state: 'running', value: new PyFloat(0), max: new PyFloat(1) });
    this.sendState();
  }

  update(id: string, value: number, max: number, preview?: Preview): void {
    this.nodes.set(id, { state: 'running', value, max });
    this.sendState();
    if (preview && this.messenger.supportsPreviewMetadata(this.target)) {
      const metadata = {
        node_id: id,
        prompt_id: this.promptId,
        display_node_id: id,
        parent_node_id: null,
        real_node_id: id,
        image_type: preview.format === 'PNG' ? 'image/png' : 'image/jpeg',
      };
      this.messenger.sendBinary(encodePreviewWithMetadata(metadata, preview.image), this.target);
    }
  }

  finish(id: string): void {
    const entry = this.nodes.get(id) ?? { state: 'pending', value: 0, max: 1 };
    this.nodes.set(id, { state: 'finished', value: entry.max, max: entry.max });
    this.sendState();
  }

  private sendState(): void {
    const nodes: Record<string, unknown> = {};
    for (const [id, entry] of this.nodes) {
      if (entry.state === 'pending') continue;
      nodes[id] = {
        value: entry.value,
        max: entry.max,
        state: entry.state,
        node_id: id,
        prompt_id: this.promptId,
        display_node_id: id,
        parent_node_id: null,
        real_node_id: id,
      };
    }
    this.messenger.send('progress_state', { prompt_id: this.promptId, nodes }, this.target);
  }
}

/** The type-1 frame ComfyUI sends after `progress` to a client without preview metadata. */
export function legacyPreviewFrame(preview: Preview): Buffer {
  return encodePreviewImage(preview.format, preview.image);
}
