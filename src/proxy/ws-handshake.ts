import { createHash, randomBytes } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

/**
 * The two WebSocket opening handshakes of the relay (RFC 6455 §4), done here rather than by `ws`
 * so that both sockets stay plain byte streams the relay reads and writes itself. Neither leg
 * negotiates an extension or a subprotocol: ComfyUI selects none, and permessage-deflate would
 * mean inflating and deflating every frame on its way through.
 */

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Larger upstream response heads are refused (node's own HTTP limit is 16 KB). */
const MAX_RESPONSE_HEAD = 16 * 1024;
/** Read size for the upstream socket, node's default. */
const READ_BUFFER_BYTES = 64 * 1024;

function acceptValue(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** Why a client's upgrade request cannot be accepted (the checks `ws` makes), or null. */
export function handshakeProblem(req: IncomingMessage): { status: number; message: string } | null {
  if (req.method !== 'GET') return { status: 405, message: 'Invalid HTTP method' };
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') return { status: 400, message: 'Invalid Upgrade header' };
  const key = req.headers['sec-websocket-key'];
  if (key === undefined || !/^[+/0-9A-Za-z]{22}==$/.test(key)) return { status: 400, message: 'Missing or invalid Sec-WebSocket-Key header' };
  const version = req.headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') return { status: 400, message: 'Missing or invalid Sec-WebSocket-Version header' };
  return null;
}

/** Accept a client whose request passed `handshakeProblem`: the 101 response. */
export function acceptClient(req: IncomingMessage, socket: Duplex): void {
  const accept = acceptValue(req.headers['sec-websocket-key'] as string);
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
}

/** Refuse an upgrade with a plain HTTP error, as `ws` does, and drop the socket. */
export function refuseClient(socket: Duplex, status: number, message: string): void {
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/html\r\n` +
        `Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
    );
  }
  socket.destroy();
}

export interface UpstreamRequest {
  /** ws: or wss: URL of the upstream endpoint, path and query as they go on the request line. */
  readonly url: URL;
  /** Request path and query, sent verbatim (nothing decoded or normalised). */
  readonly path: string;
  /** End-to-end headers to forward, as a flat [name, value, …] list. */
  readonly headers: readonly string[];
  readonly timeoutMs: number;
}

export interface UpstreamEvents {
  /** The upstream accepted; frame bytes follow through `data`. */
  open(): void;
  /**
   * Bytes after the handshake. On plain TCP they are read into a reused buffer, so `chunk` is
   * valid only during the call, unless `retains()` says its bytes are still referenced.
   */
  data(chunk: Buffer): void;
  /** True while bytes of the last `data` chunk are still referenced (waiting in a write queue). */
  retains(): boolean;
  /** The handshake failed; the socket is destroyed. Not called once open. */
  fail(cause: string): void;
}

/**
 * Open the upstream connection and run the client handshake on it. On plain TCP the socket reads
 * into a buffer of ours that is reused from read to read whenever the relay has passed the bytes
 * on already (the common case: the client's socket took them at once). Node's own reads allocate
 * a fresh 64 KB buffer each; for a stream of 100 KB preview frames that garbage (and, with `ws`,
 * a 100 KB reassembly copy per frame) made GC, full ones triggered by external memory included,
 * a large part of the relay's CPU.
 */
export function connectUpstream(request: UpstreamRequest, events: UpstreamEvents): Duplex {
  const { url } = request;
  const key = randomBytes(16).toString('base64');
  let head: Buffer | null = Buffer.alloc(0); // response head so far; null once open
  let failed = false;
  let readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);

  const fail = (cause: string): void => {
    if (failed || head === null) return;
    failed = true;
    clearTimeout(timer);
    socket.destroy();
    events.fail(cause);
  };
  const onBytes = (chunk: Buffer): void => {
    if (head === null) return events.data(chunk);
    if (failed) return;
    head = Buffer.concat([head, chunk]); // copied: `chunk` may be overwritten by the next read
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (head.length > MAX_RESPONSE_HEAD) fail('Invalid response from the backend: head too large');
      return;
    }
    const problem = responseProblem(head.toString('latin1', 0, end), acceptValue(key));
    if (problem !== null) return fail(problem);
    const rest = head.subarray(end + 4);
    head = null;
    clearTimeout(timer);
    events.open();
    if (rest.length > 0) events.data(rest);
  };
  const port = Number(url.port) || (url.protocol === 'wss:' ? 443 : 80);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let socket: net.Socket;
  if (url.protocol === 'wss:') {
    socket = tls.connect({ host, port, servername: net.isIP(host) === 0 ? host : '' });
    socket.on('data', onBytes);
  } else {
    const nextBuffer = (): Buffer => (events.retains() ? (readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES)) : readBuffer);
    const callback = (n: number, buffer: Uint8Array): boolean => {
      onBytes(Buffer.from(buffer.buffer, buffer.byteOffset, n));
      return true; // keep reading
    };
    socket = net.connect({ host, port, onread: { buffer: nextBuffer, callback } });
  }
  socket.setNoDelay(true);
  socket.on('error', (err) => fail(err.message));
  socket.on('close', () => fail('connection closed during the handshake'));
  const timer = setTimeout(() => fail('Opening handshake has timed out'), request.timeoutMs);
  socket.write(requestHead(request, key), 'latin1');
  return socket;
}

/**
 * The request head. Header names and values come from node's HTTP parser (which refuses CR, LF
 * and NUL in them) and are written back byte for byte as latin1.
 */
function requestHead(request: UpstreamRequest, key: string): string {
  let text =
    `GET ${request.path} HTTP/1.1\r\nHost: ${request.url.host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
    `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n`;
  const { headers } = request;
  for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${text}\r\n`;
}

/** Why a response head does not complete our handshake (the messages `ws` uses), or null. */
function responseProblem(head: string, accept: string): string | null {
  const lines = head.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1];
  if (status === undefined) return 'Invalid response from the backend';
  if (status !== '101') return `Unexpected server response: ${status}`;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  if (headers.get('upgrade')?.toLowerCase() !== 'websocket') return 'Invalid Upgrade header';
  if (headers.get('sec-websocket-accept') !== accept) return 'Invalid Sec-WebSocket-Accept header';
  if (headers.has('sec-websocket-protocol')) return 'Server sent a subprotocol but none was requested';
  if (headers.has('sec-websocket-extensions')) return 'Server sent a Sec-WebSocket-Extensions header but no extension was requested';
  return null;
}
