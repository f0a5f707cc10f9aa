/** Every event of GET /automa/events (SSE `data:`) and of webhook payloads. */
export interface EventBody<D = Readonly<Record<string, unknown>>> {
  /** The log id (SSE `id:`); resume after it with Last-Event-ID or `?since=`. */
  readonly id: number;
  /** A dotted name: `prompt.started`, `backend.down`, … (SSE `event:`). */
  readonly type: string;
  readonly timestamp: string;
  readonly data: D;
}

/** What every `prompt.*` event says about its prompt. */
export interface PromptEventData {
  readonly prompt_id: string;
  readonly number: number;
  readonly status: 'queued' | 'running' | 'succeeded' | 'failed' | 'interrupted' | 'cancelled';
  readonly client_id: string | null;
  readonly backend: string | null;
  readonly create_time: string;
  readonly start_time?: string | null;
  readonly end_time?: string;
  /** prompt.progress: the running node's steps. */
  readonly progress?: { readonly value: number; readonly max: number; readonly node: string | null };
  readonly outputs?: Readonly<Record<string, unknown>>;
  readonly error?: Readonly<Record<string, unknown>>;
}
