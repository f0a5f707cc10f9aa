import { isRecord } from '../../values.js';
import { describe, Problems, ConversionStopped } from './problems.js';

/**
 * The UI workflow checked and normalised: ids as strings, both link forms as one shape, each
 * graph indexed so conversion never scans a list (a 200-node graph must convert in a few ms).
 */

/** Ids of a subgraph's boundary pseudo-nodes, as links name them. */
export const SUBGRAPH_INPUT_ID = '-10';
const SUBGRAPH_OUTPUT_ID = '-20';

// Far above any real workflow; they bound the work a hostile file can ask for.
const MAX_NODES_PER_GRAPH = 10_000;
const MAX_LINKS_PER_GRAPH = 100_000;
const MAX_SUBGRAPHS = 1_000;
const MAX_DEFINITION_DEPTH = 16;

export interface InputEntry {
  readonly name: string;
  readonly type: string;
  /** The link id feeding this socket, or null. */
  readonly link: string | null;
  /** Set when the socket drives the widget of that name. */
  readonly widgetName: string | undefined;
  readonly label: string | undefined;
}

export interface GraphNode {
  readonly id: string;
  readonly type: string;
  readonly mode: number;
  readonly title: string | undefined;
  readonly inputs: readonly InputEntry[];
  readonly outputs: readonly { readonly name: string; readonly type: string }[];
  readonly widgetsValues: readonly unknown[] | Readonly<Record<string, unknown>> | undefined;
  readonly properties: Readonly<Record<string, unknown>>;
}

export interface GraphLink {
  readonly id: string;
  readonly originId: string;
  readonly originSlot: number;
  readonly targetId: string;
  readonly targetSlot: number;
  readonly type: string;
}

export interface Graph {
  /** "the workflow" or "subgraph <name>", for messages. */
  readonly where: string;
  readonly nodes: readonly GraphNode[];
  readonly byId: ReadonlyMap<string, GraphNode>;
  readonly links: ReadonlyMap<string, GraphLink>;
  /** Links by origin node id, in file order. */
  readonly linksFrom: ReadonlyMap<string, readonly GraphLink[]>;
}

export interface SubgraphSlot {
  readonly name: string;
  readonly type: string;
  readonly label: string | undefined;
  /** Inner links leaving this input (or reaching this output). */
  readonly linkIds: readonly string[];
}

export interface SubgraphDef extends Graph {
  readonly id: string;
  readonly name: string;
  readonly inputs: readonly SubgraphSlot[];
  readonly outputs: readonly SubgraphSlot[];
}

export interface ParsedWorkflow {
  readonly root: Graph;
  readonly subgraphs: ReadonlyMap<string, SubgraphDef>;
  readonly extra: Readonly<Record<string, unknown>>;
}

/** Parse a UI workflow; problems found are added to `problems` (the result is still usable for more checks). */
export function parseWorkflow(value: Record<string, unknown>, problems: Problems): ParsedWorkflow {
  const version = value.version;
  if (version !== 0.4 && version !== 1) {
    problems.add('UNSUPPORTED_VERSION', `unsupported workflow version ${describe(version)}: expected 0.4 or 1`);
  }
  const root = parseGraph(value, 'the workflow', problems);
  const subgraphs = new Map<string, SubgraphDef>();
  collectDefinitions(value.definitions, subgraphs, problems, 0);
  return { root, subgraphs, extra: isRecord(value.extra) ? value.extra : {} };
}

function collectDefinitions(definitions: unknown, into: Map<string, SubgraphDef>, problems: Problems, depth: number): void {
  if (definitions === undefined || definitions === null) return;
  if (!isRecord(definitions) || (definitions.subgraphs !== undefined && !Array.isArray(definitions.subgraphs))) {
    problems.add('INVALID_SHAPE', 'definitions.subgraphs must be a list');
    return;
  }
  if (depth > MAX_DEFINITION_DEPTH) throw stop(problems, 'TOO_LARGE', 'subgraph definitions are nested too deeply');
  for (const [index, raw] of ((definitions.subgraphs ?? []) as unknown[]).entries()) {
    if (!isRecord(raw) || typeof raw.id !== 'string' || raw.id === '') {
      problems.add('INVALID_SHAPE', `definitions.subgraphs[${index}] needs a string id`);
      continue;
    }
    // The same definition may be repeated in nested `definitions`; the first one counts.
    if (into.has(raw.id)) continue;
    if (into.size >= MAX_SUBGRAPHS) throw stop(problems, 'TOO_LARGE', `more than ${MAX_SUBGRAPHS} subgraph definitions`);
    const name = typeof raw.name === 'string' && raw.name !== '' ? raw.name : raw.id;
    const graph = parseGraph(raw, `subgraph ${JSON.stringify(name)}`, problems);
    into.set(raw.id, {
      ...graph,
      id: raw.id,
      name,
      inputs: parseBoundary(raw.inputs, graph, 'inputs', problems),
      outputs: parseBoundary(raw.outputs, graph, 'outputs', problems),
    });
    collectDefinitions(raw.definitions, into, problems, depth + 1);
  }
}

function parseGraph(value: Record<string, unknown>, where: string, problems: Problems): Graph {
  const nodes: GraphNode[] = [];
  const byId = new Map<string, GraphNode>();
  const links = new Map<string, GraphLink>();
  const linksFrom = new Map<string, GraphLink[]>();
  if (!Array.isArray(value.nodes)) problems.add('INVALID_SHAPE', `${where}: nodes must be a list`);
  if (value.links !== undefined && !Array.isArray(value.links)) problems.add('INVALID_SHAPE', `${where}: links must be a list`);
  const rawNodes = Array.isArray(value.nodes) ? (value.nodes as unknown[]) : [];
  const rawLinks = Array.isArray(value.links) ? (value.links as unknown[]) : [];
  if (rawNodes.length > MAX_NODES_PER_GRAPH) throw stop(problems, 'TOO_LARGE', `${where} has more than ${MAX_NODES_PER_GRAPH} nodes`);
  if (rawLinks.length > MAX_LINKS_PER_GRAPH) throw stop(problems, 'TOO_LARGE', `${where} has more than ${MAX_LINKS_PER_GRAPH} links`);

  for (const [index, raw] of rawNodes.entries()) {
    const node = parseNode(raw, `${where}: nodes[${index}]`, problems);
    if (node === undefined) continue;
    if (byId.has(node.id)) {
      problems.add('DUPLICATE_NODE_ID', `${where}: two nodes have id ${node.id}`, { node: node.id });
      continue;
    }
    byId.set(node.id, node);
    nodes.push(node);
  }
  for (const [index, raw] of rawLinks.entries()) {
    // LiteGraph leaves null holes in link lists; they mean nothing.
    if (raw === null) continue;
    const link = parseLink(raw);
    if (link === undefined) {
      problems.add('INVALID_SHAPE', `${where}: links[${index}] is not a link (${describe(raw)})`);
      continue;
    }
    links.set(link.id, link);
  }
  for (const link of links.values()) {
    const list = linksFrom.get(link.originId);
    if (list) list.push(link);
    else linksFrom.set(link.originId, [link]);
  }
  return { where, nodes, byId, links, linksFrom };
}

function parseNode(raw: unknown, where: string, problems: Problems): GraphNode | undefined {
  if (!isRecord(raw)) {
    problems.add('INVALID_SHAPE', `${where} is not an object`);
    return undefined;
  }
  const id = idOf(raw.id);
  if (id === undefined) {
    problems.add('INVALID_SHAPE', `${where} has no usable id (${describe(raw.id)})`);
    return undefined;
  }
  if (typeof raw.type !== 'string' || raw.type === '') {
    problems.add('INVALID_SHAPE', `node ${id} has no type`, { node: id });
    return undefined;
  }
  if (raw.inputs !== undefined && raw.inputs !== null && !Array.isArray(raw.inputs)) problems.add('INVALID_SHAPE', `node ${id}: inputs must be a list`, { node: id });
  if (raw.outputs !== undefined && raw.outputs !== null && !Array.isArray(raw.outputs)) problems.add('INVALID_SHAPE', `node ${id}: outputs must be a list`, { node: id });
  const inputs: InputEntry[] = [];
  for (const slot of Array.isArray(raw.inputs) ? (raw.inputs as unknown[]) : []) {
    if (!isRecord(slot) || typeof slot.name !== 'string') {
      problems.add('INVALID_SHAPE', `node ${id} has an input without a name`, { node: id });
      continue;
    }
    const link = slot.link === null || slot.link === undefined ? null : idOf(slot.link);
    if (link === undefined) problems.add('INVALID_SHAPE', `node ${id} input ${JSON.stringify(slot.name)}: link must be a number or null`, { node: id });
    const widget = isRecord(slot.widget) && typeof slot.widget.name === 'string' ? slot.widget.name : undefined;
    inputs.push({ name: slot.name, type: typeName(slot.type), link: link ?? null, widgetName: widget, label: typeof slot.label === 'string' ? slot.label : undefined });
  }
  const outputs = (Array.isArray(raw.outputs) ? (raw.outputs as unknown[]) : []).map((slot) =>
    isRecord(slot) ? { name: typeof slot.name === 'string' ? slot.name : '', type: typeName(slot.type) } : { name: '', type: '' },
  );
  const values = raw.widgets_values;
  if (values !== undefined && values !== null && !Array.isArray(values) && !isRecord(values)) {
    problems.add('INVALID_SHAPE', `node ${id}: widgets_values must be a list`, { node: id });
  }
  const mode = raw.mode === undefined || raw.mode === null ? 0 : raw.mode;
  if (typeof mode !== 'number' || !Number.isInteger(mode)) problems.add('INVALID_SHAPE', `node ${id}: mode must be an integer`, { node: id });
  return {
    id,
    type: raw.type,
    mode: typeof mode === 'number' ? mode : 0,
    title: typeof raw.title === 'string' ? raw.title : undefined,
    inputs,
    outputs,
    widgetsValues: Array.isArray(values) || isRecord(values) ? (values as readonly unknown[] | Record<string, unknown>) : undefined,
    properties: isRecord(raw.properties) ? raw.properties : {},
  };
}

function parseLink(raw: unknown): GraphLink | undefined {
  let fields: unknown[];
  if (Array.isArray(raw)) fields = raw;
  else if (isRecord(raw)) fields = [raw.id, raw.origin_id, raw.origin_slot, raw.target_id, raw.target_slot, raw.type];
  else return undefined;
  const [id, originId, originSlot, targetId, targetSlot, type] = fields;
  const ids = [idOf(id), idOf(originId), idOf(targetId)];
  if (ids.some((v) => v === undefined) || !isSlot(originSlot) || !isSlot(targetSlot)) return undefined;
  return { id: ids[0]!, originId: ids[1]!, originSlot, targetId: ids[2]!, targetSlot, type: typeName(type) };
}

function parseBoundary(raw: unknown, graph: Graph, side: 'inputs' | 'outputs', problems: Problems): SubgraphSlot[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.add('INVALID_SHAPE', `${graph.where}: ${side} must be a list`);
    return [];
  }
  // linkIds are derived data; when absent, find the links that touch the boundary node.
  const boundary = side === 'inputs' ? SUBGRAPH_INPUT_ID : SUBGRAPH_OUTPUT_ID;
  const touching = new Map<number, string[]>();
  for (const link of graph.links.values()) {
    const slot = side === 'inputs' ? (link.originId === boundary ? link.originSlot : -1) : link.targetId === boundary ? link.targetSlot : -1;
    if (slot < 0) continue;
    const list = touching.get(slot);
    if (list) list.push(link.id);
    else touching.set(slot, [link.id]);
  }
  return (raw as unknown[]).map((slot, index) => {
    const record = isRecord(slot) ? slot : {};
    const given = Array.isArray(record.linkIds) ? record.linkIds.map(idOf).filter((v): v is string => v !== undefined) : undefined;
    return {
      name: typeof record.name === 'string' ? record.name : `${side}[${index}]`,
      type: typeName(record.type),
      label: typeof record.label === 'string' ? record.label : undefined,
      linkIds: given ?? touching.get(index) ?? [],
    };
  });
}

/** Node and link ids: integers or non-empty strings, compared as strings (as the frontend's `==`). */
export function idOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'string' && value !== '' && value.length <= 200) return value;
  return undefined;
}

function isSlot(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 100_000;
}

/** Socket types are strings; LiteGraph's numeric event types and odd values match anything (""). */
function typeName(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function stop(problems: Problems, code: 'TOO_LARGE', message: string): ConversionStopped {
  problems.add(code, message);
  return new ConversionStopped(problems);
}
