import type { Readable } from 'node:stream';
import { badRequest, invalidPath, notFound, pathOutsideFolder } from '../errors.js';
import type { Logger } from '../log.js';
import { messageOf, viewOnBackend, type BackendRef } from './backend-client.js';
import { contentTypeOf, dispositionFilename, isActiveType, safeFileHeaders } from './content-types.js';
import { conversionFor, convertImage } from './images.js';
import { isFileType, parseAnnotated, parseSubfolder } from './paths.js';
import type { FileTree } from './tree.js';

/** /view's query parameters, first value of each, as the client sent them (decoded once). */
export interface ViewQuery {
  readonly filename?: string | undefined;
  readonly type?: string | undefined;
  readonly subfolder?: string | undefined;
  readonly preview?: string | undefined;
  readonly channel?: string | undefined;
  /** The browser's Sec-Fetch-Dest: an SVG loaded by <img> ("image") may stay inline. */
  readonly fetchDest?: string | undefined;
}

/** What to answer: a file to stream (ranges welcome), converted bytes, or a backend's answer to pass on. */
export type ViewResult =
  | { readonly kind: 'file'; readonly path: string; readonly headers: Readonly<Record<string, string>> }
  | { readonly kind: 'bytes'; readonly body: Buffer; readonly headers: Readonly<Record<string, string>> }
  | { readonly kind: 'upstream'; readonly body: Readable; readonly headers: Readonly<Record<string, string>> };

const PASSED_HEADERS = ['content-type', 'content-length', 'content-disposition', 'last-modified', 'etag'];

/**
 * GET /view with ComfyUI's rules and statuses: no filename → 404; empty name, a leading `/` or
 * any `..` in it → 400; unknown type → 400; a subfolder leading out → 403; missing → 404.
 * As in ComfyUI only the base name of `filename` is used, and `name [type]` overrides `type`.
 * A `temp` file we lack is asked of each backend in turn (previews live there).
 */
export function createViewer(deps: { tree: FileTree; backends: () => readonly BackendRef[]; logger: Logger }) {
  const { tree, logger } = deps;

  const fromBackends = async (query: Record<string, string>): Promise<ViewResult | undefined> => {
    for (const backend of deps.backends()) {
      try {
        const response = await viewOnBackend(backend, query);
        if (response.statusCode !== 200) {
          await response.body.dump();
          continue;
        }
        const headers: Record<string, string> = {};
        for (const name of PASSED_HEADERS) {
          const value = response.headers[name];
          if (typeof value === 'string') headers[name] = value;
        }
        const contentType = headers['content-type'] ?? 'application/octet-stream';
        const safe = isActiveType(contentType) ? safeFileHeaders(query.filename ?? '', contentType, query.fetchDest) : { 'x-content-type-options': 'nosniff' };
        return { kind: 'upstream', body: response.body, headers: { ...headers, ...safe } };
      } catch (error) {
        logger.debug({ backend: backend.name, err: messageOf(error) }, 'temp file not fetched from backend');
      }
    }
    return undefined;
  };

  return async function view(query: ViewQuery): Promise<ViewResult> {
    if (query.filename === undefined) throw notFound('File', 'filename is required');
    const annotated = parseAnnotated(query.filename);
    const requested = annotated.name;
    if (requested === '' || requested.startsWith('/') || requested.includes('..') || /[\0\\]/.test(requested)) {
      throw invalidPath('Filename', query.filename);
    }
    const type = annotated.type ?? query.type ?? 'output';
    if (!isFileType(type)) throw badRequest('Unknown type', `type must be input, temp or output, got ${JSON.stringify(type.slice(0, 40))}`);
    const folder = parseSubfolder(query.subfolder ?? '');
    if ('problem' in folder) throw pathOutsideFolder(query.subfolder ?? '');
    const name = requested.slice(requested.lastIndexOf('/') + 1);

    const file = await tree.locate({ type, segments: folder.segments, name });
    if (file === undefined) {
      if (type === 'temp') {
        const forwarded: Record<string, string> = { filename: name, type, subfolder: folder.segments.join('/') };
        if (query.preview !== undefined) forwarded.preview = query.preview;
        if (query.channel !== undefined) forwarded.channel = query.channel;
        const upstream = await fromBackends(forwarded);
        if (upstream) return upstream;
      }
      throw notFound('File', `${type}/${[...folder.segments, name].join('/')}`);
    }

    const conversion = conversionFor(query.preview, query.channel);
    if (conversion === undefined) return { kind: 'file', path: file, headers: safeFileHeaders(name, contentTypeOf(name), query.fetchDest) };
    return {
      kind: 'bytes',
      body: await convertImage(file, conversion),
      headers: {
        'content-type': `image/${conversion.format}`,
        'content-disposition': dispositionFilename(name),
        'x-content-type-options': 'nosniff',
      },
    };
  };
}
