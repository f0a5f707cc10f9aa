/**
 * The app's live view of the service: one WebSocket to /ws (reconnects with backoff, negotiates
 * previews with metadata) and one event stream from /automa/events. It keeps what the pages show
 * live: connection state, progress per prompt, latest preview per prompt. The gateway follows
 * ComfyUI's targeting on /ws: progress and previews of prompts sent without a client id reach
 * every socket, those of another client's prompts reach only it; so the event stream, which
 * carries every prompt's lifecycle, fills in the steps of prompts other clients queued.
 */
import { useSyncExternalStore } from 'react';
import { openEventStream, type EventSourceLike, type EventStream } from './event-stream';
import { applyMessage, decodePreview, parseMessage, QUEUE_CHANGING, type ProgressMap } from './frames';
import { applyPromptEvent, LIVE_EVENT_TYPES, type ActivityMap } from './prompt-activity';

export interface LiveState {
  /** /ws is open. */
  readonly connected: boolean;
  /** The event stream is open. */
  readonly eventsConnected: boolean;
  readonly queueRemaining: number | null;
  /** From /ws: node-level progress of prompts whose messages reach this client. */
  readonly progress: ProgressMap;
  /** From the event stream: every prompt's state, backend and steps. */
  readonly activity: ActivityMap;
  /** Prompt id → object URL of its latest preview image. */
  readonly previews: ReadonlyMap<string, string>;
}

export interface LiveConnection {
  getState(): LiveState;
  subscribe(listener: () => void): () => void;
  /** Forget progress and previews of prompts that no longer run (from /queue). */
  retain(runningIds: ReadonlySet<string>): void;
  /** Reconnect now (the API key changed). */
  reconnect(): void;
  close(): void;
}

export interface LiveOptions {
  readonly url: () => string;
  /** Called when a message says the queue, history or pool changed. */
  readonly onQueueChange: () => void;
  readonly createSocket?: (url: string) => WebSocket;
  /** The event stream's URL resuming after an event id; without it there is no stream. */
  readonly eventsUrl?: (since: number | null) => string;
  readonly createEventSource?: (url: string) => EventSourceLike;
}

export const INITIAL_LIVE_STATE: LiveState = { connected: false, eventsConnected: false, queueRemaining: null, progress: new Map(), activity: new Map(), previews: new Map() };

/** Events after which the queue or the pool look different (a new prompt is told by /ws's status). */
const EVENTS_CHANGING_QUEUE = /^((prompt|run)\.(started|succeeded|failed|interrupted|cancelled)|backend\.)/;

/** Open the live connection; it keeps itself open until close(). */
export function createLiveConnection(options: LiveOptions): LiveConnection {
  let state = INITIAL_LIVE_STATE;
  let socket: WebSocket | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let attempts = 0;
  let closed = false;
  // The prompt that reported progress last: legacy previews (type 1) carry no prompt id.
  let lastPrompt: string | null = null;
  let seenRunning = new Set<string>();
  const listeners = new Set<() => void>();

  const set = (next: LiveState): void => {
    if (next === state) return;
    state = next;
    for (const listener of listeners) listener();
  };

  const onText = (text: string): void => {
    const message = parseMessage(text);
    if (message === null) return;
    if (message.type === 'status') {
      const info = (message.data.status as { exec_info?: { queue_remaining?: unknown } } | undefined)?.exec_info;
      const remaining = typeof info?.queue_remaining === 'number' ? info.queue_remaining : state.queueRemaining;
      if (remaining !== state.queueRemaining) set({ ...state, queueRemaining: remaining });
    }
    if (typeof message.data.prompt_id === 'string' && message.type === 'progress') lastPrompt = message.data.prompt_id;
    const progress = applyMessage(state.progress, message);
    if (progress !== state.progress) set({ ...state, progress });
    if (QUEUE_CHANGING.has(message.type)) options.onQueueChange();
  };

  const onBinary = (buffer: ArrayBuffer): void => {
    const frame = decodePreview(buffer);
    const promptId = frame?.promptId ?? lastPrompt;
    if (frame === null || promptId === null) return;
    const url = URL.createObjectURL(new Blob([frame.image as Uint8Array<ArrayBuffer>], { type: frame.mime }));
    const previews = new Map(state.previews);
    const old = previews.get(promptId);
    if (old !== undefined) URL.revokeObjectURL(old);
    previews.set(promptId, url);
    set({ ...state, previews });
  };

  const connect = (): void => {
    if (closed) return;
    const ws = (options.createSocket ?? ((url) => new WebSocket(url)))(options.url());
    ws.binaryType = 'arraybuffer';
    socket = ws;
    ws.onopen = () => {
      attempts = 0;
      // The first text message negotiates features: previews then come as type 4 with their prompt id.
      ws.send(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }));
      set({ ...state, connected: true });
      options.onQueueChange(); // whatever happened while we were away
    };
    ws.onmessage = (event: MessageEvent<string | ArrayBuffer>) => {
      if (typeof event.data === 'string') onText(event.data);
      else onBinary(event.data);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      set({ ...state, connected: false });
      if (closed) return;
      // 0.5 s, 1 s, 2 s, … up to 10 s: a restarted service is found again within seconds.
      const delay = Math.min(10_000, 500 * 2 ** Math.min(attempts, 5));
      attempts += 1;
      retryTimer = setTimeout(connect, delay);
    };
  };

  connect();

  // A sweep's cells start and end in bursts: one refresh of the queue per burst is enough.
  let changeTimer: ReturnType<typeof setTimeout> | null = null;
  const queueChangedSoon = (): void => {
    changeTimer ??= setTimeout(() => {
      changeTimer = null;
      options.onQueueChange();
    }, 250);
  };
  const eventsUrl = options.eventsUrl;
  const events: EventStream | null =
    eventsUrl === undefined
      ? null
      : openEventStream({
          url: eventsUrl,
          types: LIVE_EVENT_TYPES,
          onConnected: (eventsConnected) => {
            if (eventsConnected !== state.eventsConnected) set({ ...state, eventsConnected });
          },
          onEvent: (event) => {
            const activity = applyPromptEvent(state.activity, event);
            if (activity !== state.activity) set({ ...state, activity });
            if (EVENTS_CHANGING_QUEUE.test(event.type)) queueChangedSoon();
          },
          ...(options.createEventSource !== undefined && { createSource: options.createEventSource }),
        });

  return {
    getState: () => state,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    retain: (runningIds) => {
      // Only prompts seen running and now gone are dropped: progress often arrives before a
      // /queue answer lists its prompt as running, and must not be lost to that stale answer.
      const gone = new Set([...seenRunning].filter((id) => !runningIds.has(id)));
      seenRunning = new Set(runningIds);
      const progress = new Map([...state.progress].filter(([id]) => !gone.has(id)));
      // An ended prompt's event normally removes it; this covers one lost to retention.
      const activity = new Map([...state.activity].filter(([id]) => !gone.has(id)));
      const previews = new Map(state.previews);
      for (const [id, url] of state.previews) {
        if (!gone.has(id)) continue;
        URL.revokeObjectURL(url);
        previews.delete(id);
      }
      if (progress.size !== state.progress.size || previews.size !== state.previews.size || activity.size !== state.activity.size) set({ ...state, progress, previews, activity });
    },
    reconnect: () => {
      if (retryTimer !== null) clearTimeout(retryTimer);
      attempts = 0;
      const old = socket;
      socket = null;
      old?.close();
      set({ ...state, connected: false });
      connect();
      events?.reconnect();
    },
    close: () => {
      closed = true;
      if (retryTimer !== null) clearTimeout(retryTimer);
      if (changeTimer !== null) clearTimeout(changeTimer);
      events?.close();
      socket?.close();
      socket = null;
      for (const url of state.previews.values()) URL.revokeObjectURL(url);
    },
  };
}

/** Subscribe a component to the live state. */
export function useLiveState(connection: LiveConnection): LiveState {
  return useSyncExternalStore(connection.subscribe, connection.getState, connection.getState);
}
