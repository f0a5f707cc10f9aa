/** The gateway's own input/temp/output files: uploads, /view, replication to backends, output collection. */
export { createFileService, type FileService, type FileServiceDeps } from './service.js';
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
