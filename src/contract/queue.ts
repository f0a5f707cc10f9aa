/** ComfyUI's queue item: [number, prompt_id, prompt, extra_data, outputs_to_execute]. */
export type PromptTuple = readonly [number, string, Readonly<Record<string, unknown>>, Record<string, unknown>, readonly string[]];

/** GET /queue */
export interface QueueSnapshot {
  readonly queue_running: readonly PromptTuple[];
  readonly queue_pending: readonly PromptTuple[];
}

/** POST /queue: drop pending prompts by id, or all of them. */
export interface QueueDeleteBody {
  readonly delete?: readonly string[];
  readonly clear?: boolean;
}

/** POST /prompt's answer. */
export interface SubmitResult {
  readonly prompt_id: string;
  readonly number: number;
  readonly node_errors: Readonly<Record<string, unknown>>;
}
