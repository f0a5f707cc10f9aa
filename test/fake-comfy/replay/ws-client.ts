/** A WebSocket client that keeps every frame it receives and can wait for the n-th one. */
import WebSocket from 'ws';

export type Frame = { readonly text: { readonly type: string; readonly data: unknown } } | { readonly binary: Buffer };

export const frameType = (frame: Frame): string =>
  'text' in frame ? frame.text.type : `binary:${frame.binary.length >= 4 ? frame.binary.readUInt32BE(0) : '?'}`;

export class RecordingClient {
  readonly frames: Frame[] = [];
  private readonly listeners = new Set<() => void>();
  private closed = false;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary) => {
      this.frames.push(isBinary ? { binary: Buffer.from(data) } : { text: JSON.parse(data.toString()) as { type: string; data: unknown } });
      for (const listener of [...this.listeners]) listener();
    });
    ws.on('close', () => {
      this.closed = true;
      for (const listener of [...this.listeners]) listener();
    });
  }

  static open(url: string): Promise<RecordingClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const client = new RecordingClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  /** Resolve once `count` frames arrived; reject after `timeoutMs` with what did arrive. */
  waitForFrames(count: number, timeoutMs: number, label: string): Promise<void> {
    if (this.frames.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.frames.length >= count) finish(undefined);
        else if (this.closed) finish(new Error(`${label}: socket closed after ${this.frames.length}/${count} frames: ${this.frames.map(frameType).join(', ')}`));
      };
      const timer = setTimeout(
        () => finish(new Error(`${label}: ${this.frames.length}/${count} frames after ${timeoutMs} ms: ${this.frames.map(frameType).join(', ')}`)),
        timeoutMs,
      );
      const finish = (error: Error | undefined): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
        if (error) reject(error);
        else resolve();
      };
      this.listeners.add(check);
    });
  }

  /** A ping/pong round trip: every frame the server sent before it has arrived. */
  flush(): Promise<void> {
    if (this.ws.readyState !== WebSocket.OPEN) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('pong', () => resolve());
      this.ws.once('close', () => resolve());
      this.ws.ping();
    });
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
