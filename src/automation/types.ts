/**
 * The shapes of workflow apps, runs and sweeps as the automation part and its API speak them.
 */

export const INPUT_TYPES = ['int', 'float', 'string', 'boolean', 'enum', 'image', 'seed'] as const;
export type AppInputType = (typeof INPUT_TYPES)[number];

/** A value an input may take (an enum choice, a default). */
export type InputValue = string | number | boolean;

/** One choice of an enum input, with the backends that offer it (placement sends a run there). */
export interface InputChoice {
  readonly value: InputValue;
  readonly backends: readonly string[];
}

/** A named, typed input of an app, bound to one widget input of one node of its API prompt. */
export interface AppInput {
  readonly name: string;
  readonly node: string;
  readonly input: string;
  readonly type: AppInputType;
  readonly label: string;
  readonly description: string;
  /** The workflow's own value. */
  readonly default: InputValue | null;
  readonly min?: number;
  readonly max?: number;
  readonly step?: number;
  readonly multiline?: boolean;
  readonly choices?: readonly InputChoice[];
}

/**
 * How an input was asked for (App Mode, the import's `inputs`, or the server's proposal): the
 * binding plus any overrides. Types, ranges and choices are read from the pool each time.
 */
export interface InputBinding {
  readonly name: string;
  readonly node: string;
  readonly input: string;
  readonly type?: AppInputType;
  readonly label?: string;
  readonly description?: string;
  readonly default?: InputValue;
  readonly min?: number;
  readonly max?: number;
  readonly step?: number;
  readonly multiline?: boolean;
}

/** An output node of the app (SaveImage, PreviewImage, …). */
export interface AppOutput {
  readonly node: string;
  readonly class_type: string;
  readonly label: string;
}

/** API-format prompt: node id → {class_type, inputs, _meta?}. */
export type ApiPrompt = Readonly<Record<string, { readonly class_type: string; readonly inputs: Readonly<Record<string, unknown>>; readonly _meta?: unknown }>>;

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const OUTPUT_KINDS = ['image', 'video', 'audio', 'text', 'file'] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];

/** One output of a finished run, typed. `url` fetches it through the gateway's /view. */
export interface RunOutput {
  readonly node: string;
  readonly kind: OutputKind;
  readonly filename: string | null;
  readonly subfolder: string | null;
  readonly type: string | null;
  readonly url: string | null;
  /** Text outputs only. */
  readonly text?: string;
}

/** A sweep axis as the client sends it. */
export type SweepAxis =
  | { readonly input: string; readonly values: readonly unknown[] }
  | { readonly input: string; readonly range: { readonly from: number; readonly to: number; readonly step: number } }
  | { readonly input: string; readonly random: number };

export type SweepMode = 'grid' | 'zip';

/** One cell of a sweep: its axis values (by input name) and the inputs of its run. */
export interface SweepCell {
  readonly index: number;
  readonly coords: Readonly<Record<string, InputValue>>;
}
