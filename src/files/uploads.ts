import { Readable } from 'node:stream';
import { badRequest, invalidPath, isAppError, unusableUploadName } from '../errors.js';
import type { Logger } from '../log.js';
import { applyMaskAlpha } from './images.js';
import { checkFileName, isFileType, parseAnnotated, parseSubfolder, type FileLocation, type FileType } from './paths.js';
import type { FileTree, StagedFile } from './tree.js';

/** A multipart upload as received: the first `image` file (already staged) and the first value of each field. */
export interface UploadForm {
  /** The `image` file part; undefined when the form had none. */
  readonly image: { readonly staged: StagedFile; readonly filename: string } | undefined;
  readonly type?: string | undefined;
  readonly subfolder?: string | undefined;
  readonly overwrite?: string | undefined;
  /** /upload/mask only: JSON text (or an already parsed object) `{filename, subfolder?, type?}`. */
  readonly originalRef?: unknown;
}

/** ComfyUI's answer: the name stored (maybe `name (n).ext`), the subfolder and type as given. */
export interface UploadResult {
  readonly name: string;
  readonly subfolder: string;
  readonly type: FileType;
}

export function createUploader(deps: { tree: FileTree; logger: Logger }) {
  const { tree, logger } = deps;

  /** Where the upload goes, checked in ComfyUI's order so the same mistakes earn the same statuses. */
  const target = async (form: UploadForm) => {
    const type = form.type ?? 'input';
    if (!isFileType(type)) throw badRequest('Unknown type', `type must be input, temp or output, got ${JSON.stringify(type.slice(0, 40))}`);
    if (form.image === undefined) throw badRequest('An image file is required', 'send the file in the multipart field "image"');
    const { filename } = form.image;
    const problem = checkFileName(filename);
    if (problem === 'empty' || problem === 'absolute') throw unusableUploadName(filename);
    if (problem !== undefined) throw invalidPath('Filename', filename);
    const folder = parseSubfolder(form.subfolder ?? '');
    if ('problem' in folder) throw invalidPath('Subfolder', form.subfolder ?? '');
    const dir = await tree.folder(type, folder.segments);
    return { type, dir, filename, staged: form.image.staged, overwrite: form.overwrite === 'true' || form.overwrite === '1' };
  };

  /** The image a mask applies to, or undefined where ComfyUI silently stores nothing. */
  const originalOf = async (ref: unknown): Promise<string | undefined> => {
    const parsed = parseOriginalRef(ref);
    const annotated = parseAnnotated(parsed.filename);
    const type = annotated.type ?? parsed.type ?? 'output';
    if (annotated.name === '' || annotated.name.startsWith('/') || annotated.name.includes('..') || !isFileType(type)) return undefined;
    const relative = [parsed.subfolder ?? '', annotated.name].filter((part) => part !== '').join('/');
    const slash = relative.lastIndexOf('/');
    const folder = parseSubfolder(slash === -1 ? '' : relative.slice(0, slash));
    const name = relative.slice(slash + 1);
    if ('problem' in folder || checkFileName(name) !== undefined) return undefined;
    const location: FileLocation = { type, segments: folder.segments, name };
    try {
      return await tree.locate(location);
    } catch (error) {
      if (isAppError(error) && error.status === 403) return undefined;
      throw error;
    }
  };

  return {
    /** POST /upload/image: same content under the name → that name; other content → `name (n).ext`; overwrite replaces. */
    uploadImage: async (form: UploadForm): Promise<UploadResult> => {
      const { type, dir, filename, staged, overwrite } = await target(form);
      const name = await tree.place(dir, filename, { overwrite, compare: staged, source: staged.path });
      return { name, subfolder: form.subfolder ?? '', type };
    },

    /**
     * POST /upload/mask: like an image upload (names compared with the mask's own bytes, as
     * ComfyUI does) but what is stored is the original with the mask's alpha. As in ComfyUI, a
     * missing or unreachable original stores nothing and still answers the name.
     */
    uploadMask: async (form: UploadForm): Promise<UploadResult> => {
      const { type, dir, filename, staged, overwrite } = await target(form);
      const original = await originalOf(form.originalRef);
      let composite: StagedFile | undefined;
      try {
        if (original === undefined) logger.info({ originalRef: form.originalRef }, 'mask upload: original image not found; nothing stored');
        else composite = await tree.stage(Readable.from([await applyMaskAlpha(original, staged.path)]));
        const name = await tree.place(dir, filename, { overwrite, compare: staged, source: composite?.path ?? null });
        return { name, subfolder: form.subfolder ?? '', type };
      } finally {
        if (composite) await tree.discard(composite);
      }
    },
  };
}

export type Uploader = ReturnType<typeof createUploader>;

function parseOriginalRef(ref: unknown): { filename: string; subfolder?: string; type?: string } {
  let value = ref;
  if (typeof ref === 'string') {
    try {
      value = JSON.parse(ref);
    } catch (error) {
      throw badRequest('original_ref is not valid JSON', error instanceof Error ? error.message : '');
    }
  }
  if (typeof value !== 'object' || value === null) throw badRequest('original_ref is required', 'a JSON object {filename, subfolder, type}');
  const { filename, subfolder, type } = value as Record<string, unknown>;
  if (typeof filename !== 'string') throw badRequest('original_ref.filename must be a string');
  return {
    filename,
    ...(typeof subfolder === 'string' && { subfolder }),
    ...(typeof type === 'string' && { type }),
  };
}
