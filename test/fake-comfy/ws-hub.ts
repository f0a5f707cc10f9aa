/**
 * The /ws endpoint as ComfyUI 0.8.0 runs it: one socket per client id in a table, a status frame
 * (with sid) on connect, `executing {node}` to a client that reconnects mid-run, feature_flags
 * answered only when it is the first message, and sends addressed to a client id or to everyone.
 * Deliberately kept 0.8.0 quirk: when an older socket with the same client id closes, it removes
 * the client id from the table even if a newer socket had replaced it.
 */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { stringifyPython } from '../../src/upstream/protocol/index.js';
import { isObject } from './http.js';

export interface HubState {
  queueRemaining(): number;
  /** The running prompt's client id (null when none) and the node it is executing. */
  running(): { clientId: string | null; lastNodeId: string | null };
  serverFeatures(): Record<string, unknown>;
}

export class WsHub {
  private readonly table = new Map<string, WebSocket>();
  private readonly clientFlags = new Map<string, Record<string, unknown>>();
  private readonly open = new Set<WebSocket>();

  constructor(private readonly state: HubState) {}

  /** Take over an accepted socket for /ws?clientId=…; ComfyUI mints a dashless uuid4 without one. */
  attach(ws: WebSocket, clientId: string | null): string {
    const sid = clientId || randomUUID().replaceAll('-', '');
    this.table.set(sid, ws);
    this.clientFlags.set(sid, {});
    this.open.add(ws);
    this.send('status', { status: this.queueInfo(), sid }, sid);
    const running = this.state.running();
    if (running.clientId === sid && running.lastNodeId !== null) this.send('executing', { node: running.lastNodeId }, sid);
    let first = true;
    // Invalid UTF-8 in a text frame, a bad opcode or an oversize frame: ws has already started the
    // close aiohttp does (1007, 1002, 1009) and finishes it; all that is left is to not throw.
    ws.on('error', () => undefined);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let message: unknown;
      try {
        message = JSON.parse(data.toString());
      } catch {
        return; // ComfyUI logs a warning; the next message may still be the first one
      }
      if (!isObject(message)) return; // `.get` on a non-dict raises before first_message is cleared
      if (first && message['type'] === 'feature_flags') {
        this.clientFlags.set(sid, isObject(message['data']) ? message['data'] : {});
        this.send('feature_flags', this.state.serverFeatures(), sid);
      }
      first = false;
    });
    ws.on('close', () => {
      this.open.delete(ws);
      this.table.delete(sid);
      this.clientFlags.delete(sid);
    });
    return sid;
  }

  queueInfo(): { exec_info: { queue_remaining: number } } {
    return { exec_info: { queue_remaining: this.state.queueRemaining() } };
  }

  /** A JSON frame to `sid`, or to every socket in the table when sid is null. */
  send(event: string, data: unknown, sid: string | null): void {
    this.deliver(stringifyPython({ type: event, data }), sid);
  }

  sendBinary(frame: Buffer, sid: string | null): void {
    this.deliver(frame, sid);
  }

  private deliver(payload: string | Buffer, sid: string | null): void {
    const targets = sid === null ? [...this.table.values()] : [this.table.get(sid)].filter((ws) => ws !== undefined);
    for (const ws of targets) if (ws.readyState === ws.OPEN) ws.send(payload);
  }

  /** feature_flags.supports_feature(sockets_metadata, sid, "supports_preview_metadata"). */
  supportsPreviewMetadata(sid: string | null): boolean {
    return sid !== null && this.clientFlags.get(sid)?.['supports_preview_metadata'] === true;
  }

  connectedClientIds(): string[] {
    return [...this.table.keys()];
  }

  /** Cut every socket without a close handshake (clients see 1006). */
  dropAll(): number {
    const count = this.open.size;
    for (const ws of this.open) ws.terminate();
    return count;
  }
}
