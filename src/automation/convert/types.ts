/**
 * The UI-format workflow as ComfyUI's frontend writes it (LGraph.serialize, schema 0.4, and the
 * `version: 1` form), the API prompt it converts to, and the conversion's outcome. These types
 * describe what a well-formed file holds; the parser (graph.ts) checks every field before use.
 */

/** A node input socket: `widget` marks a socket that drives a widget of the same name. */
export interface UiInputSlot {
  readonly name: string;
  readonly type?: unknown;
  readonly link: number | string | null;
  readonly widget?: { readonly name: string };
  readonly label?: string;
  readonly localized_name?: string;
}

export interface UiOutputSlot {
  readonly name: string;
  readonly type?: unknown;
  readonly links?: readonly (number | string)[] | null;
}

export interface UiNode {
  readonly id: number | string;
  readonly type: string;
  readonly mode?: number;
  readonly title?: string;
  readonly inputs?: readonly UiInputSlot[];
  readonly outputs?: readonly UiOutputSlot[];
  /** Positional over the node's widgets; some custom nodes write an object keyed by widget name. */
  readonly widgets_values?: readonly unknown[] | Readonly<Record<string, unknown>>;
  readonly properties?: Readonly<Record<string, unknown>>;
}

/** `[id, origin_id, origin_slot, target_id, target_slot, type]` (schema 0.4 root graphs). */
export type UiLinkArray = readonly [number, number | string, number, number | string, number, unknown];

/** The object form used by subgraph definitions and `version: 1` graphs. */
export interface UiLinkObject {
  readonly id: number;
  readonly origin_id: number | string;
  readonly origin_slot: number;
  readonly target_id: number | string;
  readonly target_slot: number;
  readonly type?: unknown;
}

/** A subgraph's boundary slot: `linkIds` are the inner links that leave (inputs) or reach (outputs) it. */
export interface UiSubgraphSlot {
  readonly id?: string;
  readonly name: string;
  readonly type?: unknown;
  readonly linkIds?: readonly number[];
  readonly label?: string;
}

/** One entry of `definitions.subgraphs`; instances are nodes whose `type` is this `id`. */
export interface UiSubgraph {
  readonly id: string;
  readonly name?: string;
  readonly nodes: readonly UiNode[];
  readonly links: readonly (UiLinkObject | UiLinkArray)[];
  readonly inputs?: readonly UiSubgraphSlot[];
  readonly outputs?: readonly UiSubgraphSlot[];
  readonly definitions?: { readonly subgraphs?: readonly UiSubgraph[] };
}

/** App Mode input: `[nodeId, widgetName]` or `[nodeId, widgetName, config]` (APP_MODE.md). */
export type LinearInput = readonly [number | string, string] | readonly [number | string, string, Readonly<Record<string, unknown>>];

export interface UiWorkflow {
  readonly version: number;
  readonly nodes: readonly UiNode[];
  readonly links: readonly (UiLinkArray | UiLinkObject)[];
  readonly groups?: readonly unknown[];
  readonly definitions?: { readonly subgraphs?: readonly UiSubgraph[] };
  readonly extra?: Readonly<Record<string, unknown>> & {
    readonly linearMode?: boolean;
    readonly linearData?: { readonly inputs?: readonly LinearInput[]; readonly outputs?: readonly (number | string)[] };
  };
}

/** A link in an API prompt: `[origin execution id, origin output index]`. */
export type ApiLink = readonly [string, number];

export interface ApiNode {
  readonly inputs: Record<string, unknown>;
  readonly class_type: string;
  readonly _meta?: { readonly title: string };
}

/** ComfyUI's API format: `{"<execution id>": {class_type, inputs, _meta}}`. */
export type ApiPrompt = Record<string, ApiNode>;

const PROBLEM_CODES = [
  'INVALID_SHAPE',
  'UNSUPPORTED_VERSION',
  'UNKNOWN_NODE_CLASS',
  'MISSING_LINK',
  'MISSING_NODE',
  'DUPLICATE_NODE_ID',
  'CYCLE',
  'TOO_LARGE',
  'UNSUPPORTED_NODE',
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

/** One thing wrong with a workflow; `node`/`link`/`class_type` name where, when known. */
export interface ConvertProblem {
  readonly code: ProblemCode;
  readonly message: string;
  readonly node?: string;
  readonly link?: string;
  readonly class_type?: string;
}

export type ConvertResult =
  | { readonly ok: true; readonly format: 'ui' | 'api'; readonly prompt: ApiPrompt }
  | { readonly ok: false; readonly problems: readonly ConvertProblem[] };

export interface ConvertOptions {
  /** Source of randomness for `{a|b}` choices (the frontend uses Math.random). */
  readonly random?: () => number;
  /** The clock for `%date:…%` in file name prefixes. */
  readonly now?: () => Date;
}
