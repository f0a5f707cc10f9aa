import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventBody } from '@contract';
import { openEventStream, type EventSourceLike } from './event-stream';

/** An EventSource the test drives: it records its URL and delivers what the test sends. */
class ScriptedSource implements EventSourceLike {
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  closed = false;
  readonly listeners = new Map<string, (event: MessageEvent<string>) => void>();
  constructor(readonly url: string) {}
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void) {
    this.listeners.set(type, listener);
  }
  close() {
    this.closed = true;
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  send(type: string, id: number) {
    const body: EventBody = { id, type, timestamp: '', data: { prompt_id: 'p' } };
    this.listeners.get(type)?.(new MessageEvent(type, { data: JSON.stringify(body) }));
  }
  fail(readyState: number) {
    this.readyState = readyState;
    this.onerror?.(new Event('error'));
  }
}

function open() {
  const sources: ScriptedSource[] = [];
  const received: number[] = [];
  const connected: boolean[] = [];
  const stream = openEventStream({
    url: (since) => (since === null ? '/automa/events' : `/automa/events?since=${since}`),
    types: ['prompt.started', 'prompt.progress'],
    onEvent: (event) => received.push(event.id),
    onConnected: (value) => connected.push(value),
    createSource: (url) => {
      const source = new ScriptedSource(url);
      sources.push(source);
      return source;
    },
  });
  return { stream, sources, received, connected };
}

afterEach(() => vi.useRealTimers());

describe('event stream', () => {
  it('opens at the log end, delivers the named events and drops a repeat', () => {
    const { stream, sources, received, connected } = open();
    const source = sources[0] as ScriptedSource;
    expect(source.url).toBe('/automa/events');
    source.open();
    source.send('prompt.started', 5);
    source.send('prompt.progress', 6);
    source.send('prompt.progress', 6);
    expect(received).toEqual([5, 6]);
    expect(connected).toEqual([true]);
    stream.close();
    expect(source.closed).toBe(true);
  });

  it('leaves a dropped connection to EventSource, and reopens one it gave up on after the last id seen', () => {
    vi.useFakeTimers();
    const { stream, sources, received } = open();
    const first = sources[0] as ScriptedSource;
    first.open();
    first.send('prompt.started', 9);
    first.fail(0); // CONNECTING: EventSource resumes by itself with Last-Event-ID
    expect(sources).toHaveLength(1);
    first.fail(2); // CLOSED: e.g. a 401 or a service that is restarting
    expect(first.closed).toBe(true);
    vi.runOnlyPendingTimers();
    expect(sources).toHaveLength(2);
    expect(sources[1]?.url).toBe('/automa/events?since=9');
    sources[1]?.open();
    sources[1]?.send('prompt.progress', 10);
    expect(received).toEqual([9, 10]);
    stream.close();
  });

  it('reopens at once after the last id when asked (a new API key)', () => {
    const { stream, sources } = open();
    sources[0]?.open();
    sources[0]?.send('prompt.started', 3);
    stream.reconnect();
    expect(sources[0]?.closed).toBe(true);
    expect(sources[1]?.url).toBe('/automa/events?since=3');
    stream.close();
  });
});
