import { invalidWorkflow, unknownNodeClasses } from '../errors.js';
import { backendsWithClass, nodeInfoOf, type PoolInfo } from './pool-info.js';
import type { ApiPrompt } from './types.js';
import { isRecord } from '../values.js';

/** A workflow as imported: its API prompt, and App Mode's inputs and outputs when it had them. */
export interface ImportedWorkflow {
  readonly format: 'api' | 'ui' | 'png';
  readonly prompt: ApiPrompt;
  readonly appMode: { readonly inputs: readonly { node: string; input: string; label?: string }[]; readonly outputs: readonly string[] } | null;
}

/** UI-format workflows, App Mode and PNG pictures: read by the converter (convert-reader.ts). */
export interface WorkflowReader {
  read(source: { readonly json: unknown } | { readonly png: Buffer }, pool: PoolInfo): ImportedWorkflow;
}

/** API-format prompts are taken as they are; everything else goes through the converter. */
export function readWorkflow(source: { readonly json: unknown } | { readonly png: Buffer }, pool: PoolInfo, reader: WorkflowReader): ImportedWorkflow {
  if ('json' in source && isApiPrompt(source.json)) return { format: 'api', prompt: source.json, appMode: null };
  return reader.read(source, pool);
}

/** `{"<id>": {class_type, inputs}}` with at least one node. */
export function isApiPrompt(value: unknown): value is ApiPrompt {
  if (!isRecord(value)) return false;
  const nodes = Object.values(value);
  return nodes.length > 0 && nodes.every((node) => isRecord(node) && typeof node.class_type === 'string' && isRecord(node.inputs));
}

/**
 * Refuse what no backend could run: classes no backend offers (each named with the backends that
 * lack it), links to missing nodes or outputs, and cycles. Values are not checked here: a bound
 * input's value comes with each run, and the queue checks the prompt then as ComfyUI does.
 */
export function checkPrompt(prompt: ApiPrompt, pool: PoolInfo): void {
  const unknown = new Map<string, string[]>();
  for (const [id, node] of Object.entries(prompt)) {
    if (nodeInfoOf(pool.union, node.class_type) === undefined) unknown.set(node.class_type, [...(unknown.get(node.class_type) ?? []), id]);
  }
  if (unknown.size > 0) {
    const everyBackend = pool.backends.map((b) => b.name);
    throw unknownNodeClasses(
      [...unknown].map(([classType, nodes]) => ({ class_type: classType, nodes, missing_on: everyBackend.filter((b) => !backendsWithClass(pool, classType).includes(b)) })),
    );
  }
  const problems: string[] = [];
  for (const [id, node] of Object.entries(prompt)) {
    for (const [input, value] of Object.entries(node.inputs)) {
      if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string') continue;
      const [from, slot] = value as [string, unknown];
      const source = Object.hasOwn(prompt, from) ? prompt[from] : undefined;
      if (source === undefined) {
        problems.push(`node ${id} input ${input} links to node ${from}, which the workflow does not have`);
        continue;
      }
      const outputs = nodeInfoOf(pool.union, source.class_type)?.output.length ?? 0;
      if (typeof slot !== 'number' || !Number.isInteger(slot) || slot < 0 || slot >= outputs) {
        problems.push(`node ${id} input ${input} links to output ${String(slot)} of node ${from} (${source.class_type}), which has ${outputs} outputs`);
      }
    }
  }
  if (problems.length > 0) throw invalidWorkflow(problems.slice(0, 20).map((message) => ({ message })));
  const cycle = findCycle(prompt);
  if (cycle !== null) throw invalidWorkflow([{ message: `the workflow has a cycle: ${cycle.join(' → ')}` }]);
}

/** A cycle through links (node ids, first repeated at the end), or null. */
function findCycle(prompt: ApiPrompt): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | null => {
    const mark = state.get(id);
    if (mark === 'done') return null;
    if (mark === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    path.push(id);
    for (const value of Object.values(prompt[id]?.inputs ?? {})) {
      if (Array.isArray(value) && typeof value[0] === 'string' && Object.hasOwn(prompt, value[0])) {
        const found = visit(value[0]);
        if (found !== null) return found;
      }
    }
    path.pop();
    state.set(id, 'done');
    return null;
  };
  for (const id of Object.keys(prompt)) {
    const found = visit(id);
    if (found !== null) return found;
  }
  return null;
}
