import { SUBGRAPH_INPUT_ID } from './graph.js';
import { innerId, siblingId, type Executable, type Executables } from './expand.js';
import type { Problems } from './problems.js';

/**
 * Link resolution as ExecutableNodeDTO.resolveInput / resolveOutput do it: follow a link back
 * through reroutes and other virtual nodes, bypassed nodes (by type), subgraph boundaries (in
 * and out) to the real producer; or to a promoted widget's value; or to nothing. Written as a
 * loop, not recursion, so a long chain cannot exhaust the stack.
 */

export type Resolved =
  | { readonly kind: 'link'; readonly originId: string; readonly originSlot: number }
  | { readonly kind: 'value'; readonly value: unknown };

type Step =
  | { readonly side: 'in'; readonly at: Executable; readonly slot: number; readonly type: string | undefined }
  | { readonly side: 'out'; readonly at: Executable; readonly slot: number; readonly type: string };

/** Resolve input socket `slot` of `executable`; undefined when it leads to no value. Problems are reported. */
export function resolveInput(executable: Executable, slot: number, executables: Executables, problems: Problems): Resolved | undefined {
  const visited = new Set<string>();
  let step: Step = { side: 'in', at: executable, slot, type: undefined };
  for (;;) {
    const { at } = step;
    const key = `${at.scope}:${at.state.node.id}[${step.side === 'in' ? 'I' : 'O'}]${step.slot}`;
    if (visited.has(key)) {
      problems.add('CYCLE', `links form a loop through node ${at.id} (${step.side === 'in' ? 'input' : 'output'} ${step.slot})`, { node: at.id });
      return undefined;
    }
    visited.add(key);
    const next: Step | Resolved | undefined = step.side === 'in' ? inputStep(step, executables, problems) : outputStep(step, executables, problems);
    if (next === undefined || 'kind' in next) return next;
    step = next;
  }
}

function inputStep(step: Step & { side: 'in' }, executables: Executables, problems: Problems): Step | Resolved | undefined {
  const { at } = step;
  const socket = at.state.sockets[step.slot];
  if (!socket) {
    problems.add('INVALID_SHAPE', `node ${at.id} has no input ${step.slot}`, { node: at.id });
    return undefined;
  }
  if (socket.link === null) return undefined;
  const { graph } = at.state;
  const link = graph.links.get(socket.link);
  if (!link) {
    problems.add('MISSING_LINK', `node ${at.id} input ${JSON.stringify(socket.name)} uses link ${socket.link}, which ${graph.where} does not have`, { node: at.id, link: socket.link });
    return undefined;
  }
  const instance = at.parent;
  if (instance && link.originId === SUBGRAPH_INPUT_ID) {
    // Up and out of the subgraph: continue from the instance's matching input.
    const outer = instance.state.sockets[link.originSlot];
    if (!outer) {
      problems.add('INVALID_SHAPE', `link ${link.id} in ${graph.where} leaves subgraph input ${link.originSlot}, which does not exist`, { node: at.id, link: link.id });
      return undefined;
    }
    if (outer.link === null) {
      const promoted = instance.state.promoted.get(outer.name);
      return promoted ? { kind: 'value', value: promoted.value } : undefined;
    }
    return { side: 'in', at: instance, slot: link.originSlot, type: undefined };
  }
  const origin = executables.get(siblingId(at, link.originId));
  if (!origin) {
    problems.add('MISSING_NODE', `link ${link.id} into node ${at.id} comes from node ${link.originId}, which ${graph.where} does not have`, { node: at.id, link: link.id });
    return undefined;
  }
  return { side: 'out', at: origin, slot: link.originSlot, type: step.type ?? socket.type };
}

function outputStep(step: Step & { side: 'out' }, executables: Executables, problems: Problems): Step | Resolved | undefined {
  const { at, slot, type } = step;
  const { state } = at;
  if (state.node.mode === 4) {
    const index = bypassInputIndex(at, slot, type);
    return index === -1 ? undefined : { side: 'in', at, slot: index, type: undefined };
  }
  const definition = state.definition;
  if (definition) {
    const output = definition.outputs[slot];
    const link = output?.linkIds[0] === undefined ? undefined : definition.links.get(output.linkIds[0]);
    if (!link) return undefined;
    // An input wired straight to an output (the frontend fails there): continue from the instance's input.
    if (link.originId === SUBGRAPH_INPUT_ID) return { side: 'in', at, slot: link.originSlot, type: undefined };
    const inner = executables.get(innerId(at, link.originId));
    if (!inner) {
      problems.add('MISSING_NODE', `output ${slot} of subgraph ${JSON.stringify(definition.name)} comes from node ${link.originId}, which it does not have`, { node: at.id, link: link.id });
      return undefined;
    }
    return { side: 'out', at: inner, slot: link.originSlot, type };
  }
  if (state.kind === 'virtual') {
    // Reroutes pass input N to output N; a virtual node without that input (PrimitiveNode) gives nothing.
    return state.sockets[slot] ? { side: 'in', at, slot, type } : undefined;
  }
  return { kind: 'link', originId: at.id, originSlot: slot };
}

/**
 * Which input a bypassed node passes to output `slot` for a consumer of `type`: the same index
 * if its type fits, else the first input of exactly that type, else the first compatible one.
 */
function bypassInputIndex(at: Executable, slot: number, type: string): number {
  const inputs = at.state.sockets;
  if (type === '*' || type === '') return inputs.length === 0 ? -1 : inputs.length > slot ? slot : 0;
  const outputType = at.state.outputTypes[slot];
  if (outputType === undefined) return -1;
  const opposite = inputs[slot];
  if (opposite && isValidConnection(opposite.type, outputType) && isValidConnection(opposite.type, type)) return slot;
  const exact = inputs.findIndex((input) => input.type === type);
  if (exact !== -1) return exact;
  return inputs.findIndex((input) => isValidConnection(input.type, outputType) && isValidConnection(input.type, type));
}

/** LiteGraph.isValidConnection: "*" or "" matches anything; comma lists match when any member does. */
function isValidConnection(a: string, b: string): boolean {
  if (a === '' || a === '*' || b === '' || b === '*' || a === b) return true;
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  if (!left.includes(',') && !right.includes(',')) return left === right;
  const rights = right.split(',');
  return left.split(',').some((x) => rights.some((y) => x === y || x === '*' || y === '*' || x === '' || y === ''));
}
