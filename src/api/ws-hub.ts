import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import type { Logger } from '../log.js';
import type { ClientEvents, ClientMessage, Target } from '../queue/index.js';
import { gatewayFeatureFlags } from '../upstream/protocol/index.js';

export interface WsHubDeps {
  readonly logger: Logger;
  /** Our queue_remaining, for the status a socket gets on connect. */
  readonly remaining: () => number;
  /** The node a client's running prompt is on, sent to a socket that (re)connects mid-run. */
  readonly currentNodeFor: (clientId: string) => string | null;
  readonly maxUploadSizeBytes: number;
  /** A client whose unsent data passes this is too slow to keep: it is closed (1008). */
  readonly maxBufferedBytes: number;
}

export interface WsHub extends ClientEvents {
  /** Accept a WebSocket upgrade for /ws or /api/ws. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  readonly clientCount: number;
  close(): void;
}

interface ClientSocket {
  readonly ws: WebSocket;
  readonly clientId: string;
  previewMetadata: boolean;
  greeted: boolean;
}

const PREVIEW_IMAGE = 1;
const PREVIEW_IMAGE_WITH_METADATA = 4;

/**
 * Our `/ws`: the sockets of ComfyUI clients, keyed by clientId. Several sockets may share a
 * clientId (tabs, reconnects): all of them receive that client's events, so a reconnect never
 * silently orphans the older socket as ComfyUI's table does.
 */
export function createWsHub(deps: WsHubDeps): WsHub {
  const server = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });
  const byClient = new Map<string, Set<ClientSocket>>();
  const all = new Set<ClientSocket>();

  const deliver = (client: ClientSocket, data: string | Buffer): void => {
    if (client.ws.readyState !== WebSocket.OPEN) return;
    if (client.ws.bufferedAmount > deps.maxBufferedBytes) {
      deps.logger.warn({ clientId: client.clientId }, 'closing a WebSocket client that does not keep up');
      client.ws.close(1008, 'client too slow: send buffer limit exceeded');
      return;
    }
    client.ws.send(data);
  };

  const recipients = (target: Target): Iterable<ClientSocket> => {
    if (target.kind === 'all') return all;
    if (target.kind === 'client') return byClient.get(target.clientId) ?? [];
    return [];
  };

  const onConnection = (ws: WebSocket, request: IncomingMessage): void => {
    const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
    const clientId = query.get('clientId') || randomUUID().replaceAll('-', '');
    const client: ClientSocket = { ws, clientId, previewMetadata: false, greeted: false };
    all.add(client);
    let sockets = byClient.get(clientId);
    if (!sockets) byClient.set(clientId, (sockets = new Set()));
    sockets.add(client);

    ws.on('message', (data, isBinary) => {
      // As ComfyUI: only the first text message may negotiate features; the rest is ignored.
      if (isBinary || client.greeted) return;
      client.greeted = true;
      const flags = parseFeatureFlags(data);
      if (!flags) return;
      client.previewMetadata = flags.supports_preview_metadata === true;
      deliver(client, JSON.stringify({ type: 'feature_flags', data: gatewayFeatureFlags(deps.maxUploadSizeBytes) }));
    });
    ws.on('error', (err) => deps.logger.debug({ err, clientId }, 'client socket error'));
    ws.on('close', () => {
      all.delete(client);
      const set = byClient.get(clientId);
      set?.delete(client);
      if (set?.size === 0) byClient.delete(clientId);
    });

    deliver(client, JSON.stringify({ type: 'status', data: { status: { exec_info: { queue_remaining: deps.remaining() } }, sid: clientId } }));
    const node = deps.currentNodeFor(clientId);
    if (node !== null) deliver(client, JSON.stringify({ type: 'executing', data: { node } }));
  };

  return {
    handleUpgrade: (request, socket, head) => {
      server.handleUpgrade(request, socket, head, (ws) => onConnection(ws, request));
    },
    get clientCount() {
      return all.size;
    },
    send: (target: Target, message: ClientMessage, raw?: string) => {
      if (target.kind === 'none') return;
      const text = raw ?? JSON.stringify(message);
      for (const client of recipients(target)) deliver(client, text);
    },
    sendBinary: (target, frame) => {
      if (target.kind === 'none') return;
      let legacy: Buffer | null | undefined;
      for (const client of recipients(target)) {
        if (frame.readUInt32BE(0) !== PREVIEW_IMAGE_WITH_METADATA || client.previewMetadata) {
          deliver(client, frame);
          continue;
        }
        legacy ??= toLegacyPreview(frame);
        if (legacy) deliver(client, legacy);
      }
    },
    queueChanged: (remaining) => {
      const text = JSON.stringify({ type: 'status', data: { status: { exec_info: { queue_remaining: remaining } } } });
      for (const client of all) deliver(client, text);
    },
    close: () => {
      for (const client of all) client.ws.close(1001, 'server shutting down');
      server.close();
    },
  };
}

function parseFeatureFlags(data: WebSocket.RawData): Record<string, unknown> | null {
  try {
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8');
    const message = JSON.parse(text) as { type?: unknown; data?: unknown };
    if (message.type !== 'feature_flags' || typeof message.data !== 'object' || message.data === null) return null;
    return message.data as Record<string, unknown>;
  } catch {
    return null;
  }
}

/**
 * Type 4 [4][len][JSON metadata][image] → type 1 [1][1=JPEG|2=PNG][image], for clients that did
 * not negotiate preview metadata (what ComfyUI itself sends them).
 */
export function toLegacyPreview(frame: Buffer): Buffer | null {
  if (frame.length < 8) return null;
  const length = frame.readUInt32BE(4);
  if (frame.length < 8 + length) return null;
  let imageType = 'image/png';
  try {
    const metadata = JSON.parse(frame.subarray(8, 8 + length).toString('utf8')) as { image_type?: unknown };
    if (typeof metadata.image_type === 'string') imageType = metadata.image_type;
  } catch {
    return null;
  }
  const header = Buffer.alloc(8);
  header.writeUInt32BE(PREVIEW_IMAGE, 0);
  header.writeUInt32BE(imageType === 'image/jpeg' ? 1 : 2, 4);
  return Buffer.concat([header, frame.subarray(8 + length)]);
}
