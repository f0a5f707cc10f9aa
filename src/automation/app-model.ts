import type { AppRow } from '../store/index.js';
import { describeInputs, type BrokenInput } from './inputs.js';
import type { PoolInfo } from './pool-info.js';
import { exampleBody, inputsSchema } from './schema.js';
import type { ApiPrompt, AppInput, AppOutput, InputBinding } from './types.js';

/** Where an app's inputs came from. */
export type InputsSource = 'app_mode' | 'request' | 'proposal';

/** What the store keeps of an app (AppRow.body). */
export interface AppBody {
  readonly prompt: ApiPrompt;
  readonly format: 'api' | 'ui' | 'png';
  readonly bindings: readonly InputBinding[];
  readonly inputs_source: InputsSource;
  readonly outputs: readonly AppOutput[];
  /** The inputs as typed at import: used while no backend reports its node classes. */
  readonly typed: readonly AppInput[];
}

/** An app with its inputs typed against the pool as it is now. */
export interface App {
  readonly id: string;
  readonly name: string;
  readonly body: AppBody;
  readonly inputs: readonly AppInput[];
  readonly broken: readonly BrokenInput[];
  readonly createTime: string;
  readonly updateTime: string;
}

export function appOf(row: AppRow, pool: PoolInfo): App {
  const body = row.body as unknown as AppBody;
  const described = pool.union === null ? { inputs: body.typed, broken: [] } : describeInputs(body.bindings, body.prompt, pool);
  return { id: row.id, name: row.name, body, inputs: described.inputs, broken: described.broken, createTime: row.createTime, updateTime: row.updateTime };
}

/** GET /automa/apps/{id}: the app, its run body's schema, an example body and where to go next. */
export function appView(app: App): Record<string, unknown> {
  return {
    id: app.id,
    name: app.name,
    format: app.body.format,
    inputs_source: app.body.inputs_source,
    inputs: app.inputs,
    outputs: app.body.outputs,
    ...(app.broken.length > 0 && { broken_inputs: app.broken }),
    schema: inputsSchema(app.inputs),
    example: exampleBody(app.inputs),
    prompt: app.body.prompt,
    create_time: app.createTime,
    update_time: app.updateTime,
    links: {
      self: `/automa/apps/${app.id}`,
      runs: `/automa/apps/${app.id}/runs`,
      sweeps: `/automa/apps/${app.id}/sweeps`,
      openapi: `/automa/apps/${app.id}/openapi.json`,
    },
  };
}

/** A list item: no prompt, schema or example (GET the app for those). */
export function appSummary(app: App): Record<string, unknown> {
  return {
    id: app.id,
    name: app.name,
    format: app.body.format,
    inputs: app.inputs.map((i) => ({ name: i.name, type: i.type, label: i.label })),
    outputs: app.body.outputs,
    create_time: app.createTime,
    update_time: app.updateTime,
    links: { self: `/automa/apps/${app.id}` },
  };
}
