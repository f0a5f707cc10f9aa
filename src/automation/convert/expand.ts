import type { Graph, ParsedWorkflow } from './graph.js';
import type { NodeState, NodeStates } from './nodes.js';
import { ConversionStopped, type Problems } from './problems.js';

/**
 * The flattened node network (ExecutableNodeDTO): every node of the root graph, and every node
 * inside each subgraph instance under the execution id `<instance id>:<inner id>` (nesting adds
 * levels). Two instances of one definition give two sets of ids over the same node states.
 */

// A definition holding several instances of another, nested, multiplies; this bounds the total.
const MAX_EXECUTABLE_NODES = 50_000;
const MAX_SUBGRAPH_DEPTH = 32;

export interface Executable {
  /** Execution id, e.g. "5" or "5:3". */
  readonly id: string;
  /** Instance ids from the root down to the instance holding this node. */
  readonly path: readonly string[];
  readonly state: NodeState;
  /** The instance this node sits in (undefined at the root). */
  readonly parent: Executable | undefined;
  /** "" at the root, else the definition id: the frontend's key for cycle detection. */
  readonly scope: string;
}

export type Executables = ReadonlyMap<string, Executable>;

export function expandWorkflow(workflow: ParsedWorkflow, states: NodeStates, problems: Problems): Executables {
  const out = new Map<string, Executable>();
  const visit = (graph: Graph, path: readonly string[], parent: Executable | undefined, scope: string, open: ReadonlySet<string>): void => {
    for (const node of graph.nodes) {
      const state = states.get(node);
      if (!state) continue;
      const id = path.length === 0 ? node.id : `${path.join(':')}:${node.id}`;
      const executable: Executable = { id, path, state, parent, scope };
      if (out.has(id)) {
        // Only ids containing ':' can collide here (a root node id such as "5:3").
        problems.add('DUPLICATE_NODE_ID', `execution id ${id} is used twice`, { node: id });
        continue;
      }
      if (out.size >= MAX_EXECUTABLE_NODES) {
        problems.add('TOO_LARGE', `more than ${MAX_EXECUTABLE_NODES} nodes once subgraphs are expanded`);
        throw new ConversionStopped(problems);
      }
      out.set(id, executable);
      const definition = state.definition;
      if (!definition) continue;
      if (open.has(definition.id)) {
        problems.add('CYCLE', `subgraph ${JSON.stringify(definition.name)} contains itself (through node ${id})`, { node: id });
        continue;
      }
      if (path.length >= MAX_SUBGRAPH_DEPTH) {
        problems.add('TOO_LARGE', `subgraphs nested more than ${MAX_SUBGRAPH_DEPTH} deep (at node ${id})`, { node: id });
        continue;
      }
      visit(definition, [...path, node.id], executable, definition.id, new Set([...open, definition.id]));
    }
  };
  visit(workflow.root, [], undefined, '', new Set());
  return out;
}

/** The execution id of node `nodeId` in the same graph as `executable`. */
export function siblingId(executable: Executable, nodeId: string): string {
  return executable.path.length === 0 ? nodeId : `${executable.path.join(':')}:${nodeId}`;
}

/** The execution id of inner node `nodeId` of instance `instance`. */
export function innerId(instance: Executable, nodeId: string): string {
  return `${instance.id}:${nodeId}`;
}
