import { expandWorkflow, type Executable } from './expand.js';
import { isEmitted } from './emit.js';
import { detectWorkflowFormat } from './format.js';
import { idOf, parseWorkflow } from './graph.js';
import { buildNodeStates, type NodeState } from './nodes.js';
import { isRecord } from '../../values.js';
import { ConversionStopped, describe, Problems } from './problems.js';
import type { ConvertProblem } from './types.js';

/**
 * App Mode (APP_MODE.md): the inputs and outputs a workflow's author picked, stored in
 * `extra.linearData`, resolved to where they land in the converted prompt: `(execution id, input
 * name)`. A widget promoted from inside a subgraph is stored by its interior node id; it resolves
 * to `"<instance id>:<interior id>"`, the first instance showing it (as resolveNodeWidget does).
 */

export interface AppModeInput {
  /** Execution id of the node in the converted prompt. */
  readonly node: string;
  /** Input name in that node's `inputs`. */
  readonly input: string;
  /** The author's label (widget socket label), if any. */
  readonly label: string | undefined;
  /** The entry's config (e.g. `{height}`), if any. */
  readonly config: Readonly<Record<string, unknown>> | undefined;
}

export interface AppModeOutput {
  readonly node: string;
}

export type AppMode =
  | {
      readonly ok: true;
      /** False when the workflow has no `extra.linearData`. */
      readonly present: boolean;
      /** `extra.linearMode`: whether the workflow opens as an app. */
      readonly linearMode: boolean | undefined;
      readonly inputs: readonly AppModeInput[];
      readonly outputs: readonly AppModeOutput[];
    }
  | { readonly ok: false; readonly problems: readonly ConvertProblem[] };

/** Read and resolve a UI workflow's App Mode entries against the pool's object_info. */
export function readAppMode(workflow: unknown, objectInfo: Readonly<Record<string, unknown>>): AppMode {
  const detected = detectWorkflowFormat(workflow);
  if (detected.format !== 'ui') {
    const message = detected.format === 'invalid' ? detected.reason : 'an API prompt has no App Mode; only UI workflows do';
    return { ok: false, problems: [{ code: 'INVALID_SHAPE', message }] };
  }
  const value = workflow as Record<string, unknown>;
  const extra = isRecord(value.extra) ? value.extra : {};
  const linearMode = typeof extra.linearMode === 'boolean' ? extra.linearMode : undefined;
  const data = extra.linearData;
  if (data === undefined || data === null) return { ok: true, present: false, linearMode, inputs: [], outputs: [] };
  const problems = new Problems();
  if (!isRecord(data)) return fail(problems, 'extra.linearData must be an object');
  try {
    // Unknown classes are the converter's to report; here they only make a widget unfindable.
    const parsed = parseWorkflow(value, new Problems());
    const states = buildNodeStates(parsed, objectInfo, new Problems());
    const executables = [...expandWorkflow(parsed, states, new Problems()).values()];
    const rootStates = new Map(parsed.root.nodes.map((node) => [node.id, states.get(node)]));
    const inputs = readInputs(data.inputs, rootStates, executables, problems);
    const outputs = readOutputs(data.outputs, rootStates, problems);
    return problems.empty ? { ok: true, present: true, linearMode, inputs, outputs } : { ok: false, problems: problems.result() };
  } catch (error) {
    if (error instanceof ConversionStopped) return { ok: false, problems: error.problems.result() };
    throw error;
  }
}

function readInputs(raw: unknown, roots: ReadonlyMap<string, NodeState | undefined>, executables: readonly Executable[], problems: Problems): AppModeInput[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.add('INVALID_SHAPE', 'extra.linearData.inputs must be a list');
    return [];
  }
  const out: AppModeInput[] = [];
  for (const [index, entry] of (raw as unknown[]).entries()) {
    const where = `extra.linearData.inputs[${index}]`;
    if (!Array.isArray(entry) || entry.length < 2 || typeof entry[1] !== 'string') {
      problems.add('INVALID_SHAPE', `${where} must be [nodeId, widgetName] or [nodeId, widgetName, config], got ${describe(entry)}`);
      continue;
    }
    const [rawId, widget, config] = entry as [unknown, string, unknown];
    const id = entityNodeId(rawId);
    if (id === undefined) {
      problems.add('INVALID_SHAPE', `${where}: ${describe(rawId)} is not a node id`);
      continue;
    }
    const found = rootInput(roots.get(id), widget) ?? promotedInput(id, widget, executables);
    if (typeof found === 'string') {
      problems.add('MISSING_NODE', `${where} points at ${found}`, { node: id });
      continue;
    }
    if (!found) {
      const exists = roots.has(id) || executables.some((e) => e.state.node.id === id);
      problems.add('MISSING_NODE', `${where} points at ${exists ? `widget ${JSON.stringify(widget)} of node ${id}, which it does not have` : `node ${id}, which the workflow does not have`}`, { node: id });
      continue;
    }
    out.push({ ...found, config: isRecord(config) ? config : undefined });
  }
  return out;
}

/** A root node's own widget; a string says why the entry cannot be used. */
function rootInput(state: NodeState | undefined, widget: string): Omit<AppModeInput, 'config'> | string | undefined {
  if (!state || state.kind !== 'real') return undefined;
  if (!state.widgets.some((w) => w.def.name === widget && w.def.serialize)) return undefined;
  if (state.node.mode === 2 || state.node.mode === 4) return `node ${state.node.id}, which is ${state.node.mode === 2 ? 'muted' : 'bypassed'}`;
  const socket = state.sockets.find((s) => s.widgetName === widget);
  return { node: state.node.id, input: widget, label: socket?.label };
}

/** A widget promoted onto a subgraph instance, named by its interior node id. */
function promotedInput(interiorId: string, widget: string, executables: readonly Executable[]): Omit<AppModeInput, 'config'> | string | undefined {
  for (const instance of executables) {
    for (const [inputName, promoted] of instance.state.promoted) {
      if (promoted.innerNode.id !== interiorId || promoted.innerWidget !== widget) continue;
      const target = executables.find((e) => e.state.node === promoted.innerNode && e.id.startsWith(`${instance.id}:`));
      if (!target) continue;
      if (!isEmitted(target)) return `node ${target.id}, which is muted or bypassed`;
      const label = instance.state.sockets.find((s) => s.name === inputName)?.label;
      return { node: target.id, input: widget, label };
    }
    const direct = proxyWidgetTarget(instance, interiorId, widget, executables);
    if (direct) return direct;
  }
  return undefined;
}

/** `properties.proxyWidgets` entries `[interiorId, widget]` show an interior widget directly. */
function proxyWidgetTarget(instance: Executable, interiorId: string, widget: string, executables: readonly Executable[]): Omit<AppModeInput, 'config'> | undefined {
  const proxies = instance.state.node.properties.proxyWidgets;
  const list = typeof proxies === 'string' ? safeJson(proxies) : proxies;
  if (!Array.isArray(list) || !list.some((p) => Array.isArray(p) && String(p[0]) === interiorId && p[1] === widget)) return undefined;
  const target = executables.find((e) => e.id === `${instance.id}:${interiorId}`);
  if (!target || !isEmitted(target) || !target.state.widgets.some((w) => w.def.name === widget)) return undefined;
  return { node: target.id, input: widget, label: undefined };
}

function readOutputs(raw: unknown, roots: ReadonlyMap<string, NodeState | undefined>, problems: Problems): AppModeOutput[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.add('INVALID_SHAPE', 'extra.linearData.outputs must be a list');
    return [];
  }
  const out: AppModeOutput[] = [];
  for (const [index, rawId] of (raw as unknown[]).entries()) {
    const where = `extra.linearData.outputs[${index}]`;
    const id = idOf(rawId);
    const state = id === undefined ? undefined : roots.get(id);
    if (id === undefined || !state) {
      problems.add('MISSING_NODE', `${where} points at node ${describe(rawId)}, which the root graph does not have`);
      continue;
    }
    if (state.kind !== 'real' || !state.layout?.outputNode) {
      problems.add('INVALID_SHAPE', `${where}: node ${id} (${state.classType}) is not an output node`, { node: id });
      continue;
    }
    if (state.node.mode === 2 || state.node.mode === 4) {
      problems.add('INVALID_SHAPE', `${where}: node ${id} is ${state.node.mode === 2 ? 'muted' : 'bypassed'}`, { node: id });
      continue;
    }
    out.push({ node: id });
  }
  return out;
}

/**
 * Released builds store node ids; newer sources store entity ids `widget:<graph>:<node>:<widget>`
 * or `<graph>:<node>:<widget>`, and `<subgraph>:<node>` locators. The node id is what we need.
 */
function entityNodeId(raw: unknown): string | undefined {
  const id = idOf(raw);
  if (id === undefined || !id.includes(':')) return id;
  const parts = id.split(':');
  if (parts[0] === 'widget') parts.shift();
  return parts.length === 3 ? parts[1] : parts[parts.length - 1];
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function fail(problems: Problems, message: string): AppMode {
  problems.add('INVALID_SHAPE', message);
  return { ok: false, problems: problems.result() };
}
