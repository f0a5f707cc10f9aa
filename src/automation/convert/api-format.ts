import { isRecord } from '../../values.js';
import { Problems, setOwn } from './problems.js';
import type { ApiPrompt, ConvertResult } from './types.js';

/**
 * An API-format prompt passes through unchanged once its shape is right: every node has a
 * class_type the pool knows and an `inputs` object, and every link names a node of the prompt.
 */
export function checkApiPrompt(value: Record<string, unknown>, objectInfo: Readonly<Record<string, unknown>>): ConvertResult {
  const problems = new Problems();
  const prompt: ApiPrompt = {};
  const unknown = new Map<string, string[]>();
  for (const [id, node] of Object.entries(value)) {
    if (!isRecord(node) || typeof node.class_type !== 'string' || node.class_type === '') {
      problems.add('INVALID_SHAPE', `node ${JSON.stringify(id.slice(0, 80))} needs a class_type`, { node: id });
      continue;
    }
    if (!isRecord(node.inputs)) {
      problems.add('INVALID_SHAPE', `node ${JSON.stringify(id.slice(0, 80))} needs an inputs object`, { node: id });
      continue;
    }
    if (!Object.hasOwn(objectInfo, node.class_type)) {
      const ids = unknown.get(node.class_type);
      if (ids) ids.push(id);
      else unknown.set(node.class_type, [id]);
    }
    for (const [name, input] of Object.entries(node.inputs)) {
      if (!Array.isArray(input) || input.length !== 2) continue;
      const [origin, slot] = input as unknown[];
      if (typeof origin !== 'string' || typeof slot !== 'number') continue;
      if (!Object.hasOwn(value, origin)) {
        problems.add('MISSING_NODE', `node ${id} input ${JSON.stringify(name)} links to node ${JSON.stringify(origin.slice(0, 80))}, which the prompt does not have`, { node: id });
      }
    }
    setOwn(prompt, id, node as unknown as ApiPrompt[string]);
  }
  for (const [classType, ids] of unknown) {
    problems.add('UNKNOWN_NODE_CLASS', `node class ${JSON.stringify(classType)} is not known to any backend (nodes ${ids.join(', ')})`, { class_type: classType, node: ids[0] });
  }
  return problems.empty ? { ok: true, format: 'api', prompt } : { ok: false, problems: problems.result() };
}
