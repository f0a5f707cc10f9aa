import fs from 'node:fs';
import path from 'node:path';
import compress from '@fastify/compress';
import send from '@fastify/send';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, notFound, preconditionFailed, rangeNotSatisfiable, routeNotFound } from '../errors.js';
import { acceptsHtml, CACHE_IMMUTABLE, CACHE_REVALIDATE, isApiPath, isCompressible, isHashedAsset } from './policy.js';
import { parseRequestPath, resolveFile, resolvePage, type ResolvedFile } from './resolve.js';

/** Serves the app's page for a request (its index.html, or the file the path names). */
export type ServeApp = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

export interface SpaOptions {
  /** The folder to serve at `/`; must exist (loadConfig checks, this double-checks). */
  readonly publicDir: string;
  /**
   * Registers `/` itself, in the SPA's scope (so the handler given can compress), instead of
   * the SPA taking it: the built-in web app leaves `/` to the service's JSON index for clients
   * that ask for JSON and hands browsers the app through `serveApp`.
   */
  readonly root?: (scope: FastifyInstance, serveApp: ServeApp) => void;
  /** The JSON service index, for `/` asked as JSON or a folder without index.html (--public-dir). */
  readonly serviceIndex?: () => Record<string, unknown>;
}

/**
 * Serve `publicDir` at `/` as a single-page app: files as they are, clean URLs Next.js-export
 * style, and the app's index.html for client-side routes.
 *
 * Why a wildcard route and not the not-found handler: the root not-found handler belongs to
 * api/error-handler.ts (Fastify allows one per prefix), and find-my-way ranks a wildcard below
 * every static and parametric route whatever the registration order, so any route another part
 * registers wins over `/*`. Only GET and HEAD are taken; other methods on unknown paths still
 * reach the JSON 404. Paths under an API root (policy.ts) get that same JSON 404 from here.
 *
 * Throws a plain Error when the folder is missing or not a directory.
 */
export function registerSpa(http: FastifyInstance, options: SpaOptions): void {
  const root = realDirectory(options.publicDir);
  void http.register(async (scope) => {
    // Registered in this scope with global:false, compression touches only the replies below
    // that ask for it (reply.compress), never API replies, and policy.ts decides which types.
    await scope.register(compress, { global: false, encodings: ['br', 'gzip'] });
    const serveApp: ServeApp = async (request, reply) => serveSpa(root, request, reply, options.serviceIndex);
    options.root?.(scope, serveApp);
    scope.get('/*', serveApp);
  });
}

function realDirectory(dir: string): string {
  let real: string;
  try {
    real = fs.realpathSync(dir);
  } catch (err) {
    throw new Error(`--public-dir ${JSON.stringify(dir)} does not exist (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!fs.statSync(real).isDirectory()) throw new Error(`--public-dir ${JSON.stringify(dir)} is not a directory`);
  return real;
}

async function serveSpa(
  root: string,
  request: FastifyRequest,
  reply: FastifyReply,
  serviceIndex: (() => Record<string, unknown>) | undefined,
): Promise<FastifyReply> {
  const parsed = parseRequestPath(request.url);
  const shownPath = request.url.split('?')[0] ?? '';
  if (parsed.kind === 'malformed') throw badRequest('Malformed request path', parsed.reason);
  if (parsed.kind === 'refused') throw notFound('File', shownPath);
  const { segments, trailingSlash } = parsed;
  if (isApiPath(segments)) throw routeNotFound(request.method, request.url);
  // `/` for a client that wants JSON, not HTML (or a folder without its index.html): the service
  // index, so the entry points stay one request away behind a web app too.
  if (segments.length === 0 && serviceIndex !== undefined) {
    const wantsJson = !acceptsHtml(request.headers.accept) && /\bapplication\/json\b/.test(request.headers.accept ?? '');
    if (wantsJson || (await resolveFile(root, ['index.html'])) === null) {
      reply.header('vary', 'accept');
      return reply.type('application/json; charset=utf-8').send(serviceIndex());
    }
  }

  const page = await resolvePage(root, segments, trailingSlash);
  if (page !== null) return serveFile(root, page, segments, request, reply);

  // A client-side route: the app's HTML, 200, same URL. Never for a missing asset (its last
  // segment has an extension) or a client that wants something other than HTML.
  reply.header('vary', 'accept');
  const looksLikeAsset = path.extname(segments.at(-1) ?? '') !== '';
  if (looksLikeAsset || !acceptsHtml(request.headers.accept)) throw notFound('File', shownPath);
  const index = await resolveFile(root, ['index.html']);
  if (index === null) throw notFound('File', shownPath);
  return serveFile(root, index, segments, request, reply);
}

/** Stream one confined file through @fastify/send (ETag, Last-Modified, Range, HEAD, 304). */
async function serveFile(
  root: string,
  file: ResolvedFile,
  urlSegments: readonly string[],
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const encoded = `/${file.segments.map(encodeURIComponent).join('/')}`;
  const result = await send(request.raw, encoded, { root, index: false, dotfiles: 'ignore', cacheControl: false });
  if (result.type !== 'file') {
    result.stream.destroy();
    if (result.type === 'directory' || result.statusCode === 404) throw notFound('File', encoded);
    if (result.statusCode === 412) throw preconditionFailed(String(request.headers['if-match'] ?? ''), await weakEtag(root, file));
    if (result.statusCode === 416) {
      reply.header('content-range', result.headers['Content-Range']);
      throw rangeNotSatisfiable(result.headers['Content-Range'] ?? '');
    }
    throw result.metadata.error; // EACCES and the like: a logged 500
  }

  const isHtml = /\.html?$/i.test(file.relative);
  reply.code(result.statusCode).headers(result.headers);
  reply.header('cache-control', isHashedAsset(urlSegments) && !isHtml ? CACHE_IMMUTABLE : CACHE_REVALIDATE);
  const contentType = result.headers['Content-Type'] ?? '';
  if (!isCompressible(contentType)) return reply.send(result.stream);
  // Lowercase so @fastify/compress recognises it and doesn't add a second one.
  reply.header('vary', mergeVary(reply.getHeader('vary'), 'accept-encoding'));
  // Partial content is never compressed: Content-Range counts bytes of the file itself.
  if (result.statusCode !== 200) return reply.send(result.stream);
  reply.compress(result.stream);
  return reply;
}

/** The ETag @fastify/send gives the file, for the 412 message. */
async function weakEtag(root: string, file: ResolvedFile): Promise<string> {
  const stat = await fs.promises.stat(path.join(root, file.relative)).catch(() => null);
  return stat === null ? '' : `W/"${stat.size.toString(16)}-${stat.mtime.getTime().toString(16)}"`;
}

function mergeVary(current: unknown, name: string): string {
  const names = typeof current === 'string' && current !== '' ? current.split(',').map((s) => s.trim()) : [];
  return names.includes(name) ? names.join(', ') : [...names, name].join(', ');
}
