/**
 * ComfyUI's WebSocket text frames, `{type, data}`, as a union keyed on `type`.
 * Frames of other types (custom nodes send their own) decode as UnknownMessage and are meant to
 * be passed through untouched. Numbers that ComfyUI sends as floats (progress_state values) are
 * plain numbers here: JSON does not keep the difference.
 */

export interface QueueStatus {
  readonly exec_info: { readonly queue_remaining: number };
}

export interface FeatureFlags {
  readonly supports_preview_metadata?: boolean;
  readonly max_upload_size?: number;
  readonly [flag: string]: unknown;
}

export interface NodeProgress {
  readonly value: number;
  readonly max: number;
  readonly state: 'pending' | 'running' | 'finished' | 'error';
  readonly node_id: string;
  readonly prompt_id: string;
  readonly display_node_id: string;
  readonly parent_node_id: string | null;
  readonly real_node_id: string;
}

interface Timestamped {
  readonly prompt_id: string;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
}

export interface ExecutionFailure extends Timestamped {
  readonly node_id: string;
  readonly node_type: string;
  readonly executed: readonly string[];
}

export interface ExecutionErrorData extends ExecutionFailure {
  readonly exception_message: string;
  readonly exception_type: string;
  readonly traceback: readonly string[];
  readonly current_inputs: unknown;
  readonly current_outputs: unknown;
}

export interface MessageData {
  /** `sid` only in the first frame a socket receives. */
  readonly status: { readonly status: QueueStatus; readonly sid?: string };
  readonly execution_start: Timestamped;
  readonly execution_cached: Timestamped & { readonly nodes: readonly string[] };
  /** `node: null` ends a prompt; on reconnect ComfyUI sends `{node}` alone. */
  readonly executing: { readonly node: string | null; readonly display_node?: string; readonly prompt_id?: string };
  readonly progress: { readonly value: number; readonly max: number; readonly prompt_id: string; readonly node: string };
  readonly progress_state: { readonly prompt_id: string; readonly nodes: Readonly<Record<string, NodeProgress>> };
  readonly executed: {
    readonly node: string;
    readonly display_node: string;
    readonly output: Readonly<Record<string, unknown>> | null;
    readonly prompt_id: string;
  };
  readonly execution_success: Timestamped;
  readonly execution_error: ExecutionErrorData;
  readonly execution_interrupted: ExecutionFailure;
  readonly feature_flags: FeatureFlags;
}

export type KnownMessageType = keyof MessageData;

export type KnownMessage = { [T in KnownMessageType]: { readonly type: T; readonly data: MessageData[T] } }[KnownMessageType];

export interface UnknownMessage {
  readonly type: string;
  readonly data: unknown;
}

export type ComfyMessage = KnownMessage | UnknownMessage;

export const KNOWN_MESSAGE_TYPES: readonly KnownMessageType[] = [
  'status',
  'execution_start',
  'execution_cached',
  'executing',
  'progress',
  'progress_state',
  'executed',
  'execution_success',
  'execution_error',
  'execution_interrupted',
  'feature_flags',
];

const KNOWN: ReadonlySet<string> = new Set(KNOWN_MESSAGE_TYPES);

/** Parse a text frame; undefined unless it is a JSON object with a string `type`. */
export function parseMessage(text: string): ComfyMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { type, data } = value as { type?: unknown; data?: unknown };
  return typeof type === 'string' ? { type, data } : undefined;
}

/** Whether the frame is one of ComfyUI's own message types with an object payload. */
export function isKnownMessage(message: ComfyMessage): message is KnownMessage {
  return KNOWN.has(message.type) && message.data !== null && typeof message.data === 'object';
}

/** Narrow a message to one known type. */
export function isMessageOfType<T extends KnownMessageType>(
  message: ComfyMessage,
  type: T,
): message is Extract<KnownMessage, { type: T }> {
  return message.type === type && isKnownMessage(message);
}

/** The prompt a message belongs to, when it names one. */
export function promptIdOf(message: ComfyMessage): string | undefined {
  if (!isKnownMessage(message)) return undefined;
  const data = message.data as { prompt_id?: unknown };
  return typeof data.prompt_id === 'string' ? data.prompt_id : undefined;
}
