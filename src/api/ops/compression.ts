import { pipeline, Readable } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { FastifyInstance } from 'fastify';

/** JSON and text; never images, media, archives or anything else already dense. */
const COMPRESSIBLE_RE = /^(?:text\/(?!event-stream)|application\/(?:json|javascript|xml|x-ndjson|[\w.+-]+\+(?:json|xml))\s*(?:;|$))/i;
/** Below this, headers and CPU cost more than the bytes saved. */
const THRESHOLD_BYTES = 1024;
/** Quality 4: most of brotli's gain at a fraction of the CPU of its default 11. */
const BROTLI = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } };

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/**
 * Compress JSON and text responses the client accepts (br, else gzip), for every route.
 *
 * Why a hook and not @fastify/compress: that plugin decorates the reply and so can be registered
 * once per encapsulation chain, and the SPA (static/) registers it in its own scope for its
 * files. This hook leaves alone whatever already carries a Content-Encoding (so the SPA's own
 * compression and proxied upstream bodies pass untouched), partial content, HEAD, and replies
 * that bypass Fastify's send (hijacked proxy responses and WebSocket upgrades never reach onSend).
 */
export function registerCompression(http: FastifyInstance): void {
  http.addHook('onSend', async (request, reply, payload) => {
    if (payload === null || payload === undefined || request.method === 'HEAD') return payload;
    const status = reply.statusCode;
    if (status < 200 || status === 204 || status === 206 || status === 304) return payload;
    if (reply.hasHeader('content-encoding') || reply.hasHeader('content-range')) return payload;
    if (!COMPRESSIBLE_RE.test(String(reply.getHeader('content-type') ?? ''))) return payload;

    const isBuffered = typeof payload === 'string' || Buffer.isBuffer(payload);
    if (isBuffered && Buffer.byteLength(payload) < THRESHOLD_BYTES) return payload;
    if (!isBuffered && !(payload instanceof Readable)) return payload;
    reply.header('vary', withVary(reply.getHeader('vary'), 'accept-encoding'));
    const encoding = pickEncoding(request.headers['accept-encoding']);
    if (encoding === null) return payload;

    reply.header('content-encoding', encoding);
    reply.removeHeader('content-length');
    if (isBuffered) return encoding === 'br' ? brotli(payload, BROTLI) : gzip(payload);
    const compressor = encoding === 'br' ? zlib.createBrotliCompress(BROTLI) : zlib.createGzip();
    pipeline(payload, compressor, (err) => {
      if (err) request.log.debug({ err }, 'compressed response stream ended early');
    });
    return compressor;
  });
}

/** br or gzip by the client's q-values (br wins ties), or null when it takes neither. */
export function pickEncoding(header: string | undefined): 'br' | 'gzip' | null {
  if (header === undefined) return null;
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const value = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (name !== '') q.set(name, Number.isFinite(value) ? value : 0);
  }
  const of = (name: string): number => q.get(name) ?? q.get('*') ?? 0;
  const br = of('br');
  const gz = of('gzip');
  if (br <= 0 && gz <= 0) return null;
  return br >= gz ? 'br' : 'gzip';
}

function withVary(current: unknown, name: string): string {
  const names = typeof current === 'string' && current !== '' ? current.split(',').map((s) => s.trim()) : [];
  return names.some((n) => n.toLowerCase() === name) ? names.join(', ') : [...names, name].join(', ');
}
