import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { makeTempDir } from '../helpers/app.js';

export interface SiteFixture {
  /** The folder passed as --public-dir. */
  readonly dir: string;
  /** Absolute path of a file beside the folder that must never be served. */
  readonly secretPath: string;
  /** Its content: a marker no served file contains. */
  readonly secret: string;
  /** Exact bytes of some served files, by URL path. */
  readonly files: Readonly<Record<string, Buffer>>;
  remove(): void;
}

const page = (title: string): string =>
  `<!doctype html><html><head><title>${title}</title></head><body>${`<p>${title}</p>`.repeat(200)}</body></html>`;

/** A minimal PNG (1×1) padded with a private chunk so it is larger than any compression threshold. */
function pngBytes(): Buffer {
  const header = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
  return Buffer.concat([header, Buffer.alloc(4096, 0x61)]);
}

/**
 * A Next.js-export-shaped folder, a secret file beside it, and links that point out of it:
 *   index.html  about.html  blog/index.html  _next/static/chunks/app.123abc.js  assets/logo.png
 *   main.3f9a2c1b.js  robots.txt  styles.css  .env  api/data.json
 *   leak.txt -> ../secret.txt   leakdir -> ..   env-link.txt -> .env
 */
export function makeSite(): SiteFixture {
  const temp = makeTempDir('automa-spa-');
  const dir = path.join(temp.dir, 'site');
  const secret = `TOP-SECRET-${process.pid}-${Date.now()}`;
  const secretPath = path.join(temp.dir, 'secret.txt');
  fs.writeFileSync(secretPath, secret);
  const files: Record<string, Buffer> = {
    '/index.html': Buffer.from(page('Home')),
    '/about.html': Buffer.from(page('About')),
    '/blog/index.html': Buffer.from(page('Blog')),
    '/_next/static/chunks/app.123abc.js': Buffer.from(`console.log("app");\n`.repeat(300)),
    '/assets/logo.png': pngBytes(),
    '/main.3f9a2c1b.js': Buffer.from(`export const main = 1;\n`.repeat(300)),
    '/robots.txt': Buffer.from('User-agent: *\nAllow: /\n'),
    '/styles.css': Buffer.from('body { color: #333; }\n'.repeat(300)),
    '/.env': Buffer.from(`SECRET=${secret}\n`),
    '/api/data.json': Buffer.from('{"not":"served"}'),
  };
  for (const [urlPath, bytes] of Object.entries(files)) {
    const file = path.join(dir, ...urlPath.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
  }
  fs.symlinkSync(secretPath, path.join(dir, 'leak.txt'));
  fs.symlinkSync(temp.dir, path.join(dir, 'leakdir'));
  fs.symlinkSync(path.join(dir, '.env'), path.join(dir, 'env-link.txt'));
  return { dir, secretPath, secret, files, remove: temp.remove };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** The body as sent (still compressed, if it was). */
  readonly raw: Buffer;
  /** The body after undoing Content-Encoding. */
  readonly body: Buffer;
  readonly text: string;
}

/**
 * One request with the path sent exactly as given: fetch() would normalise `..`, `%2e%2e` and
 * backslashes away before they ever reach the server, which is what traversal tests must avoid.
 */
export function rawRequest(
  baseUrl: string,
  rawPath: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method: options.method ?? 'GET', path: rawPath, headers: options.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const encoding = res.headers['content-encoding'];
          const body =
            raw.length === 0
              ? raw
              : encoding === 'br' ? zlib.brotliDecompressSync(raw) : encoding === 'gzip' ? zlib.gunzipSync(raw) : raw;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, raw, body, text: body.toString('utf8') });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export const HTML_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
