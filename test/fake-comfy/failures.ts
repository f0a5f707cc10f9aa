/**
 * How a failed run ends: execution_interrupted (sent to everyone when the prompt has no client)
 * or execution_error (sent only to the prompt's client), with ComfyUI's fields.
 */
import { describeValue, type NodeRuntimeError } from './node-values.js';
import type { QueueItem } from './queue.js';

export type Failure =
  | { readonly kind: 'interrupted'; readonly nodeId: string }
  | { readonly kind: 'error'; readonly nodeId: string; readonly error: NodeRuntimeError; readonly inputs: Record<string, unknown> };

/** [event, data, broadcast] for PromptExecutor.add_message. */
export function failureMessage(
  item: QueueItem,
  failure: Failure,
  executed: ReadonlySet<string>,
): [string, Record<string, unknown>, boolean] {
  const base = {
    prompt_id: item.promptId,
    node_id: failure.nodeId,
    node_type: String(item.prompt[failure.nodeId]?.['class_type']),
    executed: [...executed],
  };
  if (failure.kind === 'interrupted') return ['execution_interrupted', base, true];
  const currentInputs = Object.fromEntries(Object.entries(failure.inputs).map(([k, v]) => [k, [describeValue(v)]]));
  return [
    'execution_error',
    {
      ...base,
      // ComfyUI formats "{exception}\n{tips}" and the tips are empty but for out-of-memory errors.
      exception_message: `${failure.error.message}\n`,
      exception_type: failure.error.pyType,
      traceback: failure.error.traceback,
      current_inputs: currentInputs,
      current_outputs: Object.keys(item.prompt),
    },
    false,
  ];
}
