import type { Logger } from '../log.js';
import type { BackendFileStore } from '../store/index.js';
import { uploadToBackend, type BackendRef } from './backend-client.js';
import { contentTypeOf } from './content-types.js';
import { parseInputReference, subfolderOf, type FileLocation } from './paths.js';
import { mapLimit } from './map-limit.js';
import type { FileTree } from './tree.js';

const UPLOAD_CONCURRENCY = 4;

/** The part of a ComfyUI prompt (API format) that names files. */
export type PromptGraph = Readonly<Record<string, { readonly class_type: string; readonly inputs: Readonly<Record<string, unknown>> }>>;

export interface InputReplicator {
  ensureInputsOnBackend(backend: BackendRef, prompt: PromptGraph): Promise<void>;
}

/**
 * Uploads the files of ours a prompt names to the backend that will run it, each content once
 * per backend: the store remembers (backend, folder, name) → sha256 after every upload.
 * Concurrent calls for the same file share one upload.
 */
export function createInputReplicator(deps: { tree: FileTree; backendFiles: BackendFileStore; logger: Logger }): InputReplicator {
  const { tree, backendFiles, logger } = deps;
  const inFlight = new Map<string, Promise<void>>();

  const replicate = async (backend: BackendRef, location: FileLocation): Promise<void> => {
    const file = await tree.locate(location).catch(() => undefined);
    // Not ours (a model name, a prompt text, a file the backend has by itself): nothing to do.
    if (file === undefined) return;
    const snapshot = await tree.snapshot(file);
    try {
      const key = { backend: backend.name, type: location.type, subfolder: subfolderOf(location), name: location.name };
      if ((await backendFiles.get(key)) === snapshot.sha256) return;
      const answered = await uploadToBackend(backend, {
        type: location.type,
        subfolder: key.subfolder,
        name: location.name,
        size: snapshot.size,
        contentType: contentTypeOf(location.name),
        body: snapshot.stream,
      });
      if (answered !== location.name) {
        // overwrite=true keeps the name in every ComfyUI we know; if one does not, do not claim it holds ours.
        logger.warn({ backend: backend.name, file: key, answered }, 'backend stored an input under another name');
        return;
      }
      await backendFiles.put(key, snapshot.sha256);
      logger.debug({ backend: backend.name, file: key, bytes: snapshot.size }, 'input uploaded to backend');
    } finally {
      await snapshot.close();
    }
  };

  return {
    ensureInputsOnBackend: async (backend, prompt) => {
      const locations = new Map<string, FileLocation>();
      for (const node of Object.values(prompt)) {
        if (typeof node?.inputs !== 'object' || node.inputs === null) continue;
        for (const value of Object.values(node.inputs)) {
          if (typeof value !== 'string') continue;
          const location = parseInputReference(value);
          if (location) locations.set(`${location.type}\0${subfolderOf(location)}\0${location.name}`, location);
        }
      }
      await mapLimit([...locations], UPLOAD_CONCURRENCY, ([id, location]) => {
        const key = `${backend.name}\0${id}`;
        let pending = inFlight.get(key);
        if (pending === undefined) {
          pending = replicate(backend, location).finally(() => inFlight.delete(key));
          inFlight.set(key, pending);
        }
        return pending;
      });
    },
  };
}
