import { describe, expect, it } from 'vitest';
import { createLiveConnection } from './live-connection';

/** A socket the test drives by hand: it opens, then delivers what the test sends. */
class ScriptedSocket extends EventTarget {
  binaryType = 'blob';
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: string | ArrayBuffer }) => void) | null = null;
  onclose: (() => void) | null = null;
  send(text: string) {
    this.sent.push(text);
  }
  close() {
    this.onclose?.();
  }
}

function connect() {
  const sockets: ScriptedSocket[] = [];
  let changes = 0;
  const live = createLiveConnection({
    url: () => 'ws://test/ws',
    onQueueChange: () => void changes++,
    createSocket: () => {
      const socket = new ScriptedSocket();
      sockets.push(socket);
      return socket as unknown as WebSocket;
    },
  });
  const socket = sockets[0] as ScriptedSocket;
  socket.onopen?.();
  const send = (message: unknown) => socket.onmessage?.({ data: JSON.stringify(message) });
  return { live, socket, send, changes: () => changes };
}

describe('live connection', () => {
  it('asks for previews with metadata first, and tells the pages when the queue changes', () => {
    const { live, socket, send, changes } = connect();
    expect(JSON.parse(socket.sent[0] ?? '')).toEqual({ type: 'feature_flags', data: { supports_preview_metadata: true } });
    expect(live.getState().connected).toBe(true);
    const before = changes();
    send({ type: 'status', data: { status: { exec_info: { queue_remaining: 3 } } } });
    expect(live.getState().queueRemaining).toBe(3);
    expect(changes()).toBe(before + 1);
    live.close();
  });

  it('keeps progress that arrives before /queue lists the prompt, and drops it once the prompt has run and gone', () => {
    const { live, send } = connect();
    live.retain(new Set()); // a /queue answer from before the prompt started
    send({ type: 'progress', data: { prompt_id: 'p', node: '2', value: 1, max: 4 } });
    live.retain(new Set()); // still stale
    expect(live.getState().progress.has('p')).toBe(true);
    live.retain(new Set(['p']));
    expect(live.getState().progress.has('p')).toBe(true);
    live.retain(new Set());
    expect(live.getState().progress.has('p')).toBe(false);
    live.close();
  });
});
