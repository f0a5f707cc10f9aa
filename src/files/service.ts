import fsp from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';
import type { BackendRef } from './backend-client.js';
import { createOutputCollector, type CollectedOutputs, type PromptOutputs } from './collect.js';
import { parseInputReference, parseSubfolder, type FileType } from './paths.js';
import { createInputReplicator, type PromptGraph } from './replicate.js';
import { createFileTree, type StagedFile } from './tree.js';
import { createUploader, type UploadForm, type UploadResult } from './uploads.js';
import { createViewer, type ViewQuery, type ViewResult } from './view.js';

export interface FileServiceDeps {
  readonly dataDir: string;
  /** Largest file accepted by an upload, in bytes (config.maxUploadSizeBytes). */
  readonly maxUploadBytes: number;
  readonly store: Pick<Store, 'backendFiles'>;
  readonly logger: Logger;
  /** Backends to ask, in order, for a `temp` file we do not have. */
  readonly backends: () => readonly BackendRef[];
}

/** The gateway's own files: `<dataDir>/files/{input,temp,output}`. */
export interface FileService {
  readonly maxUploadBytes: number;
  /** Receive an upload's bytes into staging while hashing them; rejects with 413 past maxUploadBytes. */
  stage(source: Readable): Promise<StagedFile>;
  /** Drop a staged file that was not placed (a no-op once it was). */
  discard(staged: StagedFile): Promise<void>;
  uploadImage(form: UploadForm): Promise<UploadResult>;
  uploadMask(form: UploadForm): Promise<UploadResult>;
  view(query: ViewQuery): Promise<ViewResult>;
  /**
   * Before a prompt goes to `backend`: upload every file of ours it names (`x.png`, `sub/x.png`,
   * `x.png [temp]`…) that the backend does not hold with the same content. Throws
   * backendUnavailable when an upload fails, so the caller can retry.
   */
  ensureInputsOnBackend(backend: BackendRef, prompt: PromptGraph): Promise<void>;
  /** True when we hold the file a LoadImage input names (`x.png`, `sub/x.png`, `x.png [output]`), as ComfyUI resolves it. */
  holds(reference: string): Promise<boolean>;
  /**
   * After a prompt ran on `backend`: copy its `type: "output"` files into our output tree and
   * return the outputs pointing at our copies (renamed `name (n).ext` only on a clash).
   */
  collectOutputs(backend: BackendRef, outputs: PromptOutputs): Promise<CollectedOutputs>;
  /** Forget which inputs `backend` holds (its disk was wiped or it was replaced): the next prompts upload again. */
  forgetBackend(backend: string): Promise<void>;
  /**
   * Keep a staged file as a content-addressed input (`input/automa-assets/<name>`), so a prompt
   * naming `automa-assets/<name>` has it replicated to its backend like any upload of ours.
   */
  keepAsset(staged: StagedFile, name: string): Promise<StoredFile>;
  /** Drop a file `keepAsset` stored (a no-op when already gone). */
  dropAsset(file: StoredFile): Promise<void>;
  /** Real path of a file in our tree; undefined when absent or not a plain path. */
  locate(file: StoredFile): Promise<string | undefined>;
}

/** A file in one of our trees. */
export interface StoredFile {
  readonly type: FileType;
  readonly subfolder: string;
  readonly name: string;
}

/** The input subfolder that holds Comfy API v2 asset uploads. */
export const ASSET_FOLDER = 'automa-assets';

export function createFileService(deps: FileServiceDeps): FileService {
  const logger = deps.logger.child({ module: 'files' });
  const tree = createFileTree(deps.dataDir);
  const uploader = createUploader({ tree, logger });
  const replicator = createInputReplicator({ tree, backendFiles: deps.store.backendFiles, logger });
  const collector = createOutputCollector({ tree, logger });
  const locateFile = async (file: StoredFile): Promise<string | undefined> => {
    const folder = parseSubfolder(file.subfolder);
    if ('problem' in folder) return undefined;
    return tree.locate({ type: file.type, segments: folder.segments, name: file.name }).catch(() => undefined);
  };
  return {
    maxUploadBytes: deps.maxUploadBytes,
    stage: (source) => tree.stage(source, deps.maxUploadBytes),
    discard: (staged) => tree.discard(staged),
    uploadImage: uploader.uploadImage,
    uploadMask: uploader.uploadMask,
    view: createViewer({ tree, backends: deps.backends, logger }),
    ensureInputsOnBackend: replicator.ensureInputsOnBackend,
    holds: async (reference) => {
      const location = parseInputReference(reference);
      // A symlink out of our folders (locate throws 403) is not a file we hold.
      return location !== undefined && (await tree.locate(location).catch(() => undefined)) !== undefined;
    },
    collectOutputs: collector.collectOutputs,
    forgetBackend: async (backend) => {
      const forgotten = await deps.store.backendFiles.forgetBackend(backend);
      logger.info({ backend, forgotten }, 'forgot the inputs a backend holds');
    },
    keepAsset: async (staged, name) => {
      const dir = await tree.folder('input', [ASSET_FOLDER]);
      const placed = await tree.place(dir, name, { overwrite: false, compare: staged, source: staged.path });
      return { type: 'input', subfolder: ASSET_FOLDER, name: placed };
    },
    dropAsset: async (file) => {
      // Only what keepAsset stored: outputs and uploads through /upload belong to history and clients.
      if (file.type !== 'input' || file.subfolder !== ASSET_FOLDER) return;
      const found = await locateFile(file);
      if (found !== undefined) await fsp.rm(found, { force: true });
    },
    locate: (file) => locateFile(file),
  };
}
