import type { Graph, GraphNode, ParsedWorkflow, SubgraphDef } from './graph.js';
import { isRecord } from '../../values.js';
import type { Problems } from './problems.js';
import { layoutOf, readWidgetValues, type NodeLayout, type WidgetValue } from './widgets.js';

/**
 * Each node of the workflow as the frontend has it after loading: what kind it is, its sockets in
 * their loaded order (with the file's links), its widgets with their values, and for a subgraph
 * instance the widgets promoted from inside. One state per node of a graph, shared by every
 * instance of a definition, as the frontend shares the inner LGraphNode objects.
 */

/** Frontend-only nodes: never emitted, links through them resolve past them. */
const VIRTUAL_TYPES: ReadonlySet<string> = new Set(['PrimitiveNode', 'Reroute', 'Note', 'MarkdownNote']);

/** Renames loadGraphData applies before configuring (app.ts). */
const TYPE_PATCHES: Readonly<Record<string, string>> = {
  T2IAdapterLoader: 'ControlNetLoader',
  'ConditioningAverage ': 'ConditioningAverage',
  SDV_img2vid_Conditioning: 'SVD_img2vid_Conditioning',
};

const SAMPLERS_WITH_LEGACY_NAMES: ReadonlySet<string> = new Set(['KSampler', 'KSamplerAdvanced']);

export interface Socket {
  readonly name: string;
  readonly type: string;
  readonly link: string | null;
  /** The socket drives the widget of that name. */
  readonly widgetName: string | undefined;
  readonly label: string | undefined;
}

/** A widget a subgraph instance shows for one of its inputs (README rule 16). */
export interface PromotedWidget {
  value: unknown;
  /** The interior widget's input name and node, for App Mode. */
  readonly innerNode: GraphNode;
  readonly innerWidget: string;
}

export interface NodeState {
  readonly node: GraphNode;
  readonly graph: Graph;
  readonly classType: string;
  readonly kind: 'real' | 'virtual' | 'instance' | 'unknown';
  readonly layout: NodeLayout | undefined;
  readonly definition: SubgraphDef | undefined;
  readonly sockets: readonly Socket[];
  readonly outputTypes: readonly string[];
  /** A real node's widgets, in widgets_values order. */
  readonly widgets: readonly WidgetValue[];
  /** An instance's promoted widgets by input name. */
  readonly promoted: ReadonlyMap<string, PromotedWidget>;
}

export type NodeStates = ReadonlyMap<GraphNode, NodeState>;

/** Build every node's state; unknown classes and legacy group nodes are reported in `problems`. */
export function buildNodeStates(workflow: ParsedWorkflow, objectInfo: Readonly<Record<string, unknown>>, problems: Problems): NodeStates {
  const states = new Map<GraphNode, NodeState>();
  const layouts = new Map<string, NodeLayout>();
  const unknown = new Map<string, string[]>();
  const graphs: Graph[] = [workflow.root, ...workflow.subgraphs.values()];
  for (const graph of graphs) {
    for (const node of graph.nodes) {
      const classType = Object.hasOwn(TYPE_PATCHES, node.type) ? (TYPE_PATCHES[node.type] ?? node.type) : node.type;
      const info = Object.hasOwn(objectInfo, classType) ? objectInfo[classType] : undefined;
      if (workflow.subgraphs.has(classType) || VIRTUAL_TYPES.has(classType) || !isRecord(info)) {
        if (classType.startsWith('workflow>') || classType.startsWith('workflow/')) {
          problems.add('UNSUPPORTED_NODE', `node ${node.id} is a legacy group node (${classType}); open the workflow in a current ComfyUI frontend and convert the group node to a subgraph`, { node: node.id, class_type: classType });
        } else if (!workflow.subgraphs.has(classType) && !VIRTUAL_TYPES.has(classType) && node.mode !== 2 && node.mode !== 4) {
          // A muted or bypassed node of a missing class is never sent, so it is no problem.
          const ids = unknown.get(classType);
          if (ids) ids.push(node.id);
          else unknown.set(classType, [node.id]);
        }
        states.set(node, plainState(node, graph, classType, workflow.subgraphs.get(classType)));
        continue;
      }
      let layout = layouts.get(classType);
      if (!layout) layouts.set(classType, (layout = layoutOf(classType, info)));
      states.set(node, realState(node, graph, classType, layout));
    }
  }
  for (const [classType, ids] of unknown) {
    problems.add('UNKNOWN_NODE_CLASS', `node class ${JSON.stringify(classType)} is not known to any backend (nodes ${ids.join(', ')})`, { class_type: classType, node: ids[0] });
  }
  for (const state of states.values()) if (state.kind === 'instance') promoteWidgets(state, states, new Set());
  return states;
}

function realState(node: GraphNode, graph: Graph, classType: string, layout: NodeLayout): NodeState {
  const byName = new Map(node.inputs.map((input) => [input.name, input]));
  const matched = new Set<string>();
  const sockets: Socket[] = layout.sockets.map((def) => {
    const saved = byName.get(def.name);
    if (saved) matched.add(def.name);
    return { name: def.name, type: def.type, link: saved?.link ?? null, widgetName: def.widget ? def.name : undefined, label: saved?.label };
  });
  // Inputs the definition does not list (dynamic inputs that extensions add) keep their links.
  for (const input of node.inputs) {
    if (!matched.has(input.name)) sockets.push({ name: input.name, type: input.type, link: input.link, widgetName: input.widgetName, label: input.label });
  }
  const widgets = readWidgetValues(layout, node.widgetsValues);
  if (SAMPLERS_WITH_LEGACY_NAMES.has(classType)) {
    const sampler = widgets.find((w) => w.def.name === 'sampler_name');
    if (sampler && typeof sampler.value === 'string' && sampler.value.startsWith('sample_')) sampler.value = sampler.value.slice(7);
  }
  return { node, graph, classType, kind: 'real', layout, definition: undefined, sockets, outputTypes: layout.outputs, widgets, promoted: new Map() };
}

function plainState(node: GraphNode, graph: Graph, classType: string, definition: SubgraphDef | undefined): NodeState {
  const base = { node, graph, classType, layout: undefined, widgets: [], promoted: new Map<string, PromotedWidget>() };
  if (definition) {
    // SubgraphNode.configure: one socket per definition input, matched to the file's by name.
    const byName = new Map(node.inputs.map((input) => [input.name, input]));
    const sockets = definition.inputs.map((slot) => {
      const saved = byName.get(slot.name);
      return { name: slot.name, type: slot.type, link: saved?.link ?? null, widgetName: undefined, label: saved?.label ?? slot.label };
    });
    return { ...base, kind: 'instance', definition, sockets, outputTypes: definition.outputs.map((o) => o.type) };
  }
  const sockets = node.inputs.map((input) => ({ name: input.name, type: input.type, link: input.link, widgetName: input.widgetName, label: input.label }));
  return { ...base, kind: VIRTUAL_TYPES.has(classType) ? 'virtual' : 'unknown', definition: undefined, sockets, outputTypes: node.outputs.map((o) => o.type) };
}

/**
 * A subgraph input wired to an inner widget socket becomes a widget on the instance; its value is
 * the instance's widgets_values entry (in input order), else the inner widget's own value.
 */
function promoteWidgets(state: NodeState, states: NodeStates, visiting: Set<NodeState>): void {
  const definition = state.definition;
  if (!definition || state.promoted.size > 0 || visiting.has(state)) return;
  visiting.add(state);
  const promoted = state.promoted as Map<string, PromotedWidget & { control: boolean }>;
  for (const slot of definition.inputs) {
    for (const linkId of slot.linkIds) {
      const link = definition.links.get(linkId);
      const inner = link ? definition.byId.get(link.targetId) : undefined;
      const innerState = inner ? states.get(inner) : undefined;
      const target = innerState?.sockets.find((s) => s.link === linkId);
      if (!innerState || !target) continue;
      const source = interiorWidget(innerState, target, states, visiting);
      if (!source) continue;
      promoted.set(slot.name, { value: source.value, innerNode: source.node, innerWidget: source.name, control: source.control });
      break;
    }
  }
  const saved = state.node.widgetsValues;
  if (Array.isArray(saved)) {
    // Older instances kept a slot for a promoted seed's control widget; skip it when the list is longer.
    const extraSlots = saved.length > promoted.size;
    let index = 0;
    for (const widget of promoted.values()) {
      if (index < saved.length && saved[index] !== undefined) widget.value = saved[index];
      index += extraSlots && widget.control ? 2 : 1;
    }
  }
  visiting.delete(state);
}

function interiorWidget(
  innerState: NodeState,
  target: Socket,
  states: NodeStates,
  visiting: Set<NodeState>,
): { value: unknown; node: GraphNode; name: string; control: boolean } | undefined {
  if (innerState.kind === 'real' && target.widgetName !== undefined) {
    const widget = innerState.widgets.find((w) => w.def.name === target.widgetName);
    return widget ? { value: widget.value, node: innerState.node, name: widget.def.name, control: widget.def.companions > 0 } : undefined;
  }
  if (innerState.kind === 'instance') {
    // Nested promotion: the inner node is itself an instance showing a promoted widget.
    promoteWidgets(innerState, states, visiting);
    const nested = innerState.promoted.get(target.name) as (PromotedWidget & { control?: boolean }) | undefined;
    return nested ? { value: nested.value, node: nested.innerNode, name: nested.innerWidget, control: nested.control === true } : undefined;
  }
  return undefined;
}
