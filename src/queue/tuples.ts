import type { PromptRecord } from '../store/index.js';
import { publicExtraData } from './submission.js';

/** ComfyUI's queue item: [number, prompt_id, prompt, extra_data, outputs_to_execute]. */
export type PromptTuple = readonly [number, string, Readonly<Record<string, unknown>>, Record<string, unknown>, readonly string[]];

/** The tuple /queue and /history show for a prompt, credentials removed. */
export function promptTuple(record: PromptRecord): PromptTuple {
  return [record.number, record.id, record.prompt, publicExtraData(record.extraData), record.outputsToExecute];
}
