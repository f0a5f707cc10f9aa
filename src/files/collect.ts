import type { Logger } from '../log.js';
import { backendUnavailable } from '../errors.js';
import { viewOnBackend, type BackendRef } from './backend-client.js';
import { messageOf } from '../values.js';
import { mapLimit } from './map-limit.js';
import { checkFileName, parseSubfolder } from './paths.js';
import type { FileTree, StagedFile } from './tree.js';

/** ComfyUI's `outputs` of a prompt: node id → { images: [...], gifs: [...], text: [...], ... }. */
export type PromptOutputs = Readonly<Record<string, Readonly<Record<string, unknown>>>>;
export type CollectedOutputs = Record<string, Record<string, unknown>>;

export interface OutputCollector {
  collectOutputs(backend: BackendRef, outputs: PromptOutputs): Promise<CollectedOutputs>;
}

interface OutputRef {
  readonly filename: string;
  readonly subfolder?: string;
  readonly type: 'output';
  readonly [field: string]: unknown;
}

const DOWNLOAD_CONCURRENCY = 4;

const isOutputRef = (item: unknown): item is OutputRef =>
  typeof item === 'object' &&
  item !== null &&
  (item as { type?: unknown }).type === 'output' &&
  typeof (item as { filename?: unknown }).filename === 'string' &&
  ['string', 'undefined'].includes(typeof (item as { subfolder?: unknown }).subfolder);

/**
 * Copies every `type: "output"` file an outputs object lists from the backend into our output
 * tree, under the same subfolder and name. Same name with other content (another backend, or a
 * backend that restarted its counter) keeps both: ours becomes `name (n).ext` and the returned
 * outputs point at it. Collecting the same outputs again is a no-op that answers the same names.
 * A file the backend no longer has is logged and its ref kept; an unreachable backend throws
 * backendUnavailable so the caller can retry.
 */
export function createOutputCollector(deps: { tree: FileTree; logger: Logger }): OutputCollector {
  const { tree, logger } = deps;

  const collectOne = async (backend: BackendRef, ref: OutputRef): Promise<OutputRef> => {
    const subfolder = ref.subfolder ?? '';
    const folder = parseSubfolder(subfolder);
    if ('problem' in folder || checkFileName(ref.filename) !== undefined) {
      logger.warn({ backend: backend.name, filename: ref.filename, subfolder }, 'backend named an output outside its folder; not collected');
      return ref;
    }
    const response = await viewOnBackend(backend, { filename: ref.filename, subfolder, type: 'output' });
    if (response.statusCode === 404) {
      await response.body.dump();
      logger.warn({ backend: backend.name, filename: ref.filename, subfolder }, 'output missing on backend; ref kept');
      return ref;
    }
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw backendUnavailable(backend.name, `GET /view of output ${ref.filename} answered ${response.statusCode}`);
    }
    let staged: StagedFile;
    try {
      staged = await tree.stage(response.body);
    } catch (error) {
      throw backendUnavailable(backend.name, `download of output ${ref.filename} failed: ${messageOf(error)}`);
    }
    try {
      const dir = await tree.folder('output', folder.segments);
      const name = await tree.place(dir, ref.filename, { overwrite: false, compare: staged, source: staged.path });
      if (name !== ref.filename) logger.info({ backend: backend.name, filename: ref.filename, stored: name }, 'output renamed: name taken by other content');
      return name === ref.filename ? ref : { ...ref, filename: name };
    } finally {
      await tree.discard(staged);
    }
  };

  return {
    collectOutputs: async (backend, outputs) => {
      const collected: CollectedOutputs = {};
      for (const [node, lists] of Object.entries(outputs)) {
        const entry: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(lists)) {
          entry[key] = Array.isArray(value)
            ? await mapLimit(value, DOWNLOAD_CONCURRENCY, async (item: unknown) => (isOutputRef(item) ? collectOne(backend, item) : item))
            : value;
        }
        collected[node] = entry;
      }
      return collected;
    },
  };
}
