import type { Executable, Executables } from './expand.js';
import type { GraphNode, ParsedWorkflow } from './graph.js';
import type { NodeState, NodeStates } from './nodes.js';
import { setOwn, type Problems } from './problems.js';
import { resolveInput } from './resolve.js';
import { applyTextReplacements, processDynamicPrompt, type ReplacementNode } from './text.js';
import type { ApiPrompt } from './types.js';

/**
 * graphToPrompt's output loop: primitives first copy their values into the widgets they drive
 * (applyToGraph), then each emitted node gets its serialized widget values, then its resolved
 * links; finally inputs linked to nodes that were not emitted (muted ones) are dropped.
 */

/** Save nodes whose `filename_prefix` goes through text replacement (saveImageExtraOutput.ts). */
const SAVE_NODE_TYPES: ReadonlySet<string> = new Set([
  'SaveImage', 'SaveImageAdvanced', 'SaveSVGNode', 'SaveVideo', 'SaveAnimatedWEBP', 'SaveWEBM', 'SaveAudio', 'SaveAudioMP3',
  'SaveAudioOpus', 'SaveAudioAdvanced', 'SaveGLB', 'SaveAnimatedPNG', 'CLIPSave', 'VAESave', 'ModelSave', 'LoraSave', 'SaveLatent',
]);
const REPLACE_ON_VALUES = 'Run widget replace on values';

export interface EmitContext {
  readonly workflow: ParsedWorkflow;
  readonly states: NodeStates;
  readonly executables: Executables;
  readonly problems: Problems;
  readonly random: () => number;
  readonly now: Date;
}

export function emitPrompt(context: EmitContext): ApiPrompt {
  const replacementNodes = textReplacementNodes(context);
  applyPrimitives(context, replacementNodes);
  const prompt: ApiPrompt = {};
  for (const executable of context.executables.values()) {
    const { state } = executable;
    if (state.kind !== 'real' && state.kind !== 'unknown') continue;
    if (state.node.mode === 2 || state.node.mode === 4) continue;
    const inputs = widgetInputs(state, context, replacementNodes);
    for (const [index, socket] of state.sockets.entries()) {
      if (socket.link === null) continue;
      const resolved = resolveInput(executable, index, context.executables, context.problems);
      if (!resolved) continue;
      setOwn(inputs, socket.name, resolved.kind === 'value' ? wrapArray(resolved.value) : [resolved.originId, resolved.originSlot]);
    }
    setOwn(prompt, executable.id, { inputs, class_type: state.classType, _meta: { title: titleOf(state) } });
  }
  // "Remove inputs connected to removed nodes": a link to a muted node leaves no key at all.
  for (const node of Object.values(prompt)) {
    for (const [name, value] of Object.entries(node.inputs)) {
      if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && !Object.hasOwn(prompt, value[0])) delete node.inputs[name];
    }
  }
  return prompt;
}

function widgetInputs(state: NodeState, context: EmitContext, replacementNodes: readonly ReplacementNode[]): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  const isSaveNode = SAVE_NODE_TYPES.has(state.classType);
  for (const widget of state.widgets) {
    const { def } = widget;
    if (!def.serialize || def.name === '') continue;
    let value = widget.value;
    if (def.options.dynamicPrompts === true && typeof value === 'string') value = processDynamicPrompt(value, context.random);
    else if (isSaveNode && def.name === 'filename_prefix' && typeof value === 'string') value = applyTextReplacements(value, replacementNodes, context.now);
    setOwn(inputs, def.name, wrapArray(value));
  }
  return inputs;
}

/** An array widget value is sent as `{__value__: [...]}` so it cannot be read as a link. */
function wrapArray(value: unknown): unknown {
  return Array.isArray(value) ? { __value__: value } : value;
}

function titleOf(state: NodeState): string {
  return state.node.title ?? state.layout?.displayName ?? state.classType;
}

/**
 * PrimitiveNode.applyToGraph: its value (text-replaced when the node asks for it) becomes the
 * value of every widget its output drives. Runs for every primitive, muted or not, as graphToPrompt
 * calls it for every virtual node.
 */
function applyPrimitives(context: EmitContext, replacementNodes: readonly ReplacementNode[]): void {
  for (const state of context.states.values()) {
    if (state.classType !== 'PrimitiveNode') continue;
    const saved = state.node.widgetsValues;
    if (!Array.isArray(saved) || saved.length === 0) continue;
    let value: unknown = saved[0];
    if (value && typeof value === 'string' && state.node.properties[REPLACE_ON_VALUES] === true) {
      value = applyTextReplacements(value, replacementNodes, context.now);
    }
    for (const link of state.graph.linksFrom.get(state.node.id) ?? []) {
      if (link.originSlot !== 0) continue;
      const target = state.graph.byId.get(link.targetId);
      const targetState = target ? context.states.get(target) : undefined;
      const socket = targetState?.sockets.find((s) => s.link === link.id) ?? targetState?.sockets[link.targetSlot];
      if (!targetState || !socket) continue;
      const widgetName = socket.widgetName ?? socket.name;
      const widget = targetState.widgets.find((w) => w.def.name === widgetName);
      if (widget) widget.value = value;
      const promoted = targetState.promoted.get(socket.name);
      if (promoted) promoted.value = value;
    }
  }
}

/**
 * The nodes `%Name.widget%` searches, in graph order: the root graph's, then each subgraph's.
 * Backend node classes other than save nodes get "Node name for S&R" = their class by default.
 */
function textReplacementNodes(context: EmitContext): ReplacementNode[] {
  const nodes: GraphNode[] = [...context.workflow.root.nodes];
  for (const definition of context.workflow.subgraphs.values()) nodes.push(...definition.nodes);
  const out: ReplacementNode[] = [];
  for (const node of nodes) {
    const state = context.states.get(node);
    if (!state) continue;
    const given = node.properties['Node name for S&R'];
    const srName = typeof given === 'string' ? given : state.kind === 'real' && !SAVE_NODE_TYPES.has(state.classType) ? state.classType : undefined;
    out.push({
      srName,
      title: titleOf(state),
      widget: (name) => state.widgets.find((w) => w.def.name === name) ?? state.promoted.get(name),
    });
  }
  return out;
}

/** The emitted node of an executable, for callers mapping App Mode entries. */
export function isEmitted(executable: Executable): boolean {
  const { state } = executable;
  return (state.kind === 'real' || state.kind === 'unknown') && state.node.mode !== 2 && state.node.mode !== 4;
}
