/** The gateway's own input/temp/output files: uploads, /view, replication to backends, output collection. */
export { createFileService, ASSET_FOLDER, type FileService, type FileServiceDeps, type StoredFile } from './service.js';
/** BLAKE3 content hashes (Comfy API v2 assets). */
export { blake3File, BLAKE3_HASH } from './blake3.js';
/** sharp, loaded on first use (it costs start-up time and ~20 MB resident). */
export { loadSharp } from './images.js';
/** What a file name says it is. */
export { contentTypeOf, safeFileHeaders } from './content-types.js';
/** A backend as the files module addresses it. */
export type { BackendRef } from './backend-client.js';
/** Shapes exchanged with the queue and the routes. */
export type { CollectedOutputs, PromptOutputs } from './collect.js';
export type { PromptGraph } from './replicate.js';
export type { StagedFile } from './tree.js';
export type { UploadForm, UploadResult } from './uploads.js';
export type { ViewQuery, ViewResult } from './view.js';
/** Untrusted relative paths resolved inside a folder, or refused (traversal, absolute, symlinks out). */
export { resolveConfined, pathRefusalError, isInside, type ConfinedPath, type ConfineOptions, type PathRefusalReason } from './confine.js';
