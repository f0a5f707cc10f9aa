import type { PromptRecord } from '../store/index.js';
import { publicExtraData } from './submission.js';

import type { PromptTuple } from '../contract/index.js';

/** ComfyUI's queue item (the shape is shared with web/). */
export type { PromptTuple };

/** The tuple /queue and /history show for a prompt, credentials removed. */
export function promptTuple(record: PromptRecord): PromptTuple {
  return [record.number, record.id, record.prompt, publicExtraData(record.extraData), record.outputsToExecute];
}
