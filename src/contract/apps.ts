/** Every list under /automa: a page of items and the cursor of the next one (null: the last page). */
export interface Page<T> {
  readonly items: readonly T[];
  readonly next_cursor: string | null;
}

export type AppInputType = 'int' | 'float' | 'string' | 'boolean' | 'enum' | 'image' | 'seed';
export type InputValue = string | number | boolean;

/** One choice of an enum input, with the backends that offer it. */
export interface InputChoiceView {
  readonly value: InputValue;
  readonly backends: readonly string[];
}

/** A named, typed input of an app, bound to one input of one node. */
export interface AppInputView {
  readonly name: string;
  readonly node: string;
  readonly input: string;
  readonly type: AppInputType;
  readonly label: string;
  readonly description: string;
  readonly default: InputValue | null;
  readonly min?: number;
  readonly max?: number;
  readonly step?: number;
  readonly multiline?: boolean;
  readonly choices?: readonly InputChoiceView[];
}

/** The binding part of an input, as POST /automa/apps and PUT …/workflow take it in `inputs`. */
export interface InputBindingBody {
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

export interface AppOutputView {
  readonly node: string;
  readonly class_type: string;
  readonly label: string;
}

/** GET /automa/apps/{id} (and the 201 of an import). */
export interface AppView {
  readonly id: string;
  readonly name: string;
  readonly format: 'api' | 'ui' | 'png';
  readonly inputs_source: 'app_mode' | 'request' | 'proposal';
  readonly inputs: readonly AppInputView[];
  readonly outputs: readonly AppOutputView[];
  readonly broken_inputs?: readonly { readonly name: string; readonly reason: string }[];
  /** JSON Schema (2020-12) of a run body's `inputs`. */
  readonly schema: Readonly<Record<string, unknown>>;
  readonly example: { readonly inputs: Readonly<Record<string, unknown>> };
  readonly prompt: Readonly<Record<string, unknown>>;
  readonly create_time: string;
  readonly update_time: string;
}

/** An item of GET /automa/apps. */
export interface AppSummary {
  readonly id: string;
  readonly name: string;
  readonly format: 'api' | 'ui' | 'png';
  readonly inputs: readonly Pick<AppInputView, 'name' | 'type' | 'label'>[];
  readonly outputs: readonly AppOutputView[];
  readonly create_time: string;
  readonly update_time: string;
}

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** One output of a finished run; `url` reads it through /view. */
export interface RunOutputView {
  readonly node: string;
  readonly kind: 'image' | 'video' | 'audio' | 'text' | 'file';
  readonly filename: string | null;
  readonly subfolder: string | null;
  readonly type: string | null;
  readonly url: string | null;
  readonly text?: string;
}

/** POST /automa/apps/{id}/runs' 201. */
export interface RunCreated {
  readonly id: string;
  readonly app_id: string;
  readonly prompt_id: string;
  readonly status: 'queued';
  readonly inputs: Readonly<Record<string, unknown>>;
}

/** GET /automa/runs/{id} and the items of GET /automa/runs. */
export interface RunView {
  readonly id: string;
  readonly app_id: string;
  readonly sweep_id?: string;
  readonly prompt_id: string;
  readonly status: RunStatus;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly backend: string | null;
  /** 0 → 1, with the node and its steps while running. */
  readonly progress: { readonly fraction: number; readonly node?: string | null; readonly step?: { readonly value: number; readonly max: number } | null };
  readonly timings: { readonly created_at: number; readonly started_at: number | null; readonly finished_at: number | null; readonly run_ms: number | null };
  readonly error: { readonly type: string; readonly message: string } | null;
  readonly outputs: readonly RunOutputView[];
}

/** A sweep axis as POST …/sweeps takes it. */
export type SweepAxisBody =
  | { readonly input: string; readonly values: readonly InputValue[] }
  | { readonly input: string; readonly range: { readonly from: number; readonly to: number; readonly step: number } }
  | { readonly input: string; readonly random: number };

/** POST /automa/apps/{id}/sweeps */
export interface CreateSweepBody {
  readonly name?: string;
  readonly inputs?: Readonly<Record<string, unknown>>;
  readonly axes: readonly SweepAxisBody[];
  readonly mode?: 'grid' | 'zip';
  readonly client_id?: string;
}

export interface SweepCellView {
  readonly index: number;
  readonly coords: Readonly<Record<string, InputValue>>;
  readonly run_id: string;
  readonly prompt_id: string;
  readonly status: RunStatus;
  readonly outputs: readonly RunOutputView[];
}

/** An item of GET /automa/sweeps (and the 201 of a create, with `status`). */
export interface SweepSummary {
  readonly id: string;
  readonly app_id: string;
  readonly name: string | null;
  readonly mode: 'grid' | 'zip';
  /** Each axis spelled out (ranges and random seeds as the values they made). */
  readonly axes: readonly { readonly input: string; readonly values: readonly InputValue[] }[];
  readonly count: number;
  readonly cancelled: boolean;
  readonly create_time: number;
}

/** GET /automa/sweeps/{id} */
export interface SweepView extends SweepSummary {
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly status: 'queued' | 'running' | 'finished' | 'cancelled';
  readonly counts: Readonly<Record<RunStatus, number>>;
  readonly cells: readonly SweepCellView[];
}
