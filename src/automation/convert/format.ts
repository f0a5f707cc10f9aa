import { isRecord } from '../../values.js';

export type WorkflowFormat = { readonly format: 'api' | 'ui' } | { readonly format: 'invalid'; readonly reason: string };

/**
 * Which kind of workflow a value is: a UI workflow has a `nodes` list; an API prompt maps ids to
 * `{class_type, inputs}`. Anything else is invalid, with a reason a person can act on.
 */
export function detectWorkflowFormat(value: unknown): WorkflowFormat {
  if (!isRecord(value)) return { format: 'invalid', reason: `a workflow is a JSON object, got ${Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value}` };
  if (Object.hasOwn(value, 'nodes') || Object.hasOwn(value, 'links')) return { format: 'ui' };
  const keys = Object.keys(value);
  if (keys.length === 0) return { format: 'invalid', reason: 'the workflow is empty' };
  if (Object.hasOwn(value, 'prompt') && isRecord(value.prompt) && !isApiNode(value.prompt)) {
    return { format: 'invalid', reason: 'this looks like a POST /prompt body: send its "prompt" object as the workflow' };
  }
  const bad = keys.find((key) => !isApiNode(value[key]));
  if (bad === undefined) return { format: 'api' };
  return {
    format: 'invalid',
    reason: `neither a UI workflow (it has no "nodes" list) nor an API prompt (entry ${JSON.stringify(bad.slice(0, 80))} has no "class_type")`,
  };
}

function isApiNode(value: unknown): boolean {
  return isRecord(value) && typeof value.class_type === 'string';
}
