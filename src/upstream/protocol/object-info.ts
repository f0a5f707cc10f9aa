/**
 * Types for GET /object_info and the input-spec reading ComfyUI's validation relies on.
 *
 * An input spec is `[type, options?]`. `type` is a type name ("INT", "IMAGE", "COMBO"…) or, for
 * the old-style combo, the list of choices itself. New-style combos are `["COMBO", {options:[…]}]`.
 * A few inputs are the two-element form `["*", {}]` ("any"), matched by every link.
 */
import type { JsonValue } from './python-json.js';

export type InputType = string | readonly JsonValue[];
export type InputOptions = Readonly<Record<string, JsonValue>>;
export type InputSpec = readonly [InputType] | readonly [InputType, InputOptions];

export interface NodeInputs {
  readonly required?: Readonly<Record<string, InputSpec>>;
  readonly optional?: Readonly<Record<string, InputSpec>>;
  /** Values are "PROMPT", "UNIQUE_ID"… or a one-element list of those. */
  readonly hidden?: Readonly<Record<string, JsonValue>>;
}

export interface NodeInfo {
  readonly input: NodeInputs;
  readonly input_order?: Readonly<Partial<Record<'required' | 'optional' | 'hidden', readonly string[]>>>;
  /** Return types; an entry can itself be a list of choices (a combo output). */
  readonly output: readonly InputType[];
  readonly output_is_list?: readonly boolean[];
  readonly output_name?: readonly string[];
  readonly name: string;
  readonly display_name?: string | null;
  readonly description?: string;
  readonly python_module?: string;
  readonly category?: string;
  readonly output_node: boolean;
  readonly [more: string]: unknown;
}

export type ObjectInfo = Readonly<Record<string, NodeInfo>>;

export type InputCategory = 'required' | 'optional';

/** What ComfyUI's validation does with a constant given to this input. */
export type InputKind = 'INT' | 'FLOAT' | 'STRING' | 'BOOLEAN' | 'COMBO' | 'OTHER';

export interface InputInfo {
  readonly name: string;
  readonly category: InputCategory;
  /** The spec's first element, as ComfyUI reports it in `input_config`. */
  readonly type: InputType;
  /** The spec's options (`{}` when the spec has none). */
  readonly extra: InputOptions;
  readonly kind: InputKind;
  /** Allowed values of a combo (old list style or new `options`), else undefined. */
  readonly choices: readonly JsonValue[] | undefined;
}

const SCALAR_KINDS: ReadonlySet<string> = new Set(['INT', 'FLOAT', 'STRING', 'BOOLEAN']);

/** Read one input spec the way comfy_execution.graph.get_input_info does. */
export function parseInputSpec(name: string, category: InputCategory, spec: InputSpec): InputInfo {
  const type = spec[0];
  const extra: InputOptions = spec[1] ?? {};
  if (typeof type !== 'string') return { name, category, type, extra, kind: 'COMBO', choices: type };
  if (type === 'COMBO') {
    const options = extra['options'];
    return { name, category, type, extra, kind: 'COMBO', choices: Array.isArray(options) ? options : [] };
  }
  const kind = SCALAR_KINDS.has(type) ? (type as InputKind) : 'OTHER';
  return { name, category, type, extra, kind, choices: undefined };
}

/** The required and optional inputs of a node, in `input_order` when present. */
export function listInputs(node: NodeInfo): InputInfo[] {
  const out: InputInfo[] = [];
  for (const category of ['required', 'optional'] as const) {
    const specs = node.input[category] ?? {};
    const order = node.input_order?.[category] ?? [];
    const names = [...order.filter((n) => n in specs), ...Object.keys(specs).filter((n) => !order.includes(n))];
    for (const name of names) {
      const spec = specs[name];
      if (spec) out.push(parseInputSpec(name, category, spec));
    }
  }
  return out;
}

/** One input by name (required first, then optional), or undefined. */
export function getInputInfo(node: NodeInfo, name: string): InputInfo | undefined {
  const required = node.input.required?.[name];
  if (required) return parseInputSpec(name, 'required', required);
  const optional = node.input.optional?.[name];
  return optional ? parseInputSpec(name, 'optional', optional) : undefined;
}

/** Whether ComfyUI treats the class as an output node (it runs only what outputs need). */
export function isOutputNode(node: NodeInfo): boolean {
  return node.output_node === true;
}

/** The hidden input names whose value is `kind` ("UNIQUE_ID", "PROMPT"…), in either spelling. */
export function hiddenInputsOfKind(node: NodeInfo, kind: string): string[] {
  return Object.entries(node.input.hidden ?? {})
    .filter(([, v]) => v === kind || (Array.isArray(v) && v[0] === kind))
    .map(([name]) => name);
}

/**
 * Whether a link carrying `received` may feed an input typed `expected`
 * (comfy_execution.validation.validate_node_input, non-strict): equal types, "*" on either side
 * (ComfyUI's AnyType compares equal to everything), the V3 match type, or overlapping
 * comma-separated unions.
 */
export function linkTypeMatches(received: InputType, expected: InputType): boolean {
  if (received === '*' || expected === '*') return true;
  if (typeof received !== 'string' || typeof expected !== 'string') return received === expected;
  if (received === expected) return true;
  if (received === 'COMFY_MATCHTYPE_V3' || expected === 'COMFY_MATCHTYPE_V3') return true;
  const r = new Set(received.split(',').map((t) => t.trim()));
  return expected.split(',').some((t) => r.has(t.trim()));
}
