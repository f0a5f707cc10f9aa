import { assertEventContract } from './contract.js';

export interface SseFrame {
  readonly id: string | null;
  readonly event: string;
  readonly data: Record<string, unknown>;
}

export interface SseStream {
  readonly status: number;
  readonly contentType: string | null;
  readonly frames: SseFrame[];
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  /** Resolves once a frame matching `test` arrived (at once if one did). */
  waitFor(test: (frame: SseFrame) => boolean): Promise<SseFrame>;
  close(): void;
}

/** GET an SSE URL and collect its frames, each checked against the contract's event schemas. */
export async function openEvents(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const frames: SseFrame[] = [];
  const waiters: { test: (frame: SseFrame) => boolean; resolve: (frame: SseFrame) => void }[] = [];
  const push = (frame: SseFrame): void => {
    assertEventContract(frame.event, frame.data);
    frames.push(frame);
    for (const waiter of [...waiters]) {
      if (waiter.test(frame)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(frame);
      }
    }
  };
  const ended = (async () => {
    if (response.body === null || response.status !== 200) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let id: string | null = null;
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) push({ id, event, data: JSON.parse(data.join('\n')) as Record<string, unknown> });
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
  })();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    frames,
    ended,
    waitFor: (test) => {
      const seen = frames.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ test, resolve }));
    },
    close: () => abort.abort(),
  };
}

export const isTerminalStatus = (frame: SseFrame): boolean =>
  frame.event === 'status' && ['succeeded', 'failed', 'canceled', 'expired'].includes(String(frame.data.status));
