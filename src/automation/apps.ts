import { randomUUID } from 'node:crypto';
import { badRequest, invalidFields, noNodeInfo, notFound, type FieldProblem } from '../errors.js';
import type { AutomaStore } from '../store/index.js';
import { appOf, type App, type AppBody, type InputsSource } from './app-model.js';
import { describeInputs, humanize } from './inputs.js';
import type { PoolInfo } from './pool-info.js';
import { defaultOutputs, outputOf, proposeInputs } from './propose.js';
import type { AppOutput, InputBinding } from './types.js';
import { checkPrompt, readWorkflow, type ImportedWorkflow, type WorkflowReader } from './workflow-import.js';

const INPUT_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** POST /automa/apps: where the workflow comes from, and the inputs/outputs the client chose (if any). */
export interface ImportRequest {
  readonly name: string;
  readonly source: { readonly json: unknown } | { readonly png: Buffer };
  readonly inputs?: readonly InputBinding[];
  readonly outputs?: readonly string[];
}

export interface AppServiceDeps {
  readonly store: AutomaStore;
  readonly pool: () => PoolInfo;
  readonly reader: WorkflowReader;
}

export function createAppService(deps: AppServiceDeps) {
  const { store } = deps;

  /** The pool's node classes, or 503: inputs are typed and classes checked against them. */
  const livePool = (): PoolInfo => {
    const pool = deps.pool();
    if (pool.union === null) throw noNodeInfo();
    return pool;
  };

  /** Read, check and type a workflow; throws 4xx (nothing stored) on anything wrong. */
  const build = (request: Omit<ImportRequest, 'name'>, keep: { bindings: readonly InputBinding[]; outputs: readonly AppOutput[] } | null) => {
    const pool = livePool();
    const imported = readWorkflow(request.source, pool, deps.reader);
    checkPrompt(imported.prompt, pool);
    const { bindings, source } = chooseBindings(imported, request.inputs, keep?.bindings, pool);
    const described = describeInputs(bindings, imported.prompt, pool);
    // Bindings the client (or App Mode) named must fit; on a replace, broken ones are reported instead.
    if (keep === null && described.broken.length > 0) {
      throw invalidFields('Some inputs do not fit the workflow', described.broken.map((b) => ({ field: `inputs.${b.name}`, reason: b.reason })));
    }
    const outputs = chooseOutputs(imported, request.outputs, keep?.outputs, pool);
    const body: AppBody = { prompt: imported.prompt, format: imported.format, bindings, inputs_source: source, outputs, typed: described.inputs };
    return body;
  };

  const load = async (id: string): Promise<App> => {
    const row = await store.getApp(id);
    if (row === undefined) throw notFound('App', id);
    return appOf(row, deps.pool());
  };

  return {
    load,
    importApp: async (request: ImportRequest): Promise<App> => {
      const body = build(request, null);
      const row = await store.createApp({ id: randomUUID(), name: request.name, body: body as unknown as Record<string, unknown> });
      return appOf(row, deps.pool());
    },
    list: async (limit: number, cursor?: string) => {
      const page = await store.listApps({ limit, ...(cursor !== undefined && { cursor }) });
      const pool = deps.pool();
      return { items: page.items.map((row) => appOf(row, pool)), nextCursor: page.nextCursor };
    },
    rename: async (id: string, name: string): Promise<App> => {
      const row = await store.updateApp(id, { name });
      if (row === undefined) throw notFound('App', id);
      return appOf(row, deps.pool());
    },
    /** A new workflow for the app: its inputs are bound again by node and input; those that no longer fit are reported. */
    replaceWorkflow: async (id: string, request: Omit<ImportRequest, 'name'>): Promise<App> => {
      const current = await load(id);
      const body = build(request, { bindings: current.body.bindings, outputs: current.body.outputs });
      const row = await store.updateApp(id, { body: body as unknown as Record<string, unknown> });
      if (row === undefined) throw notFound('App', id);
      return appOf(row, deps.pool());
    },
    remove: async (id: string): Promise<void> => {
      if (!(await store.deleteApp(id))) throw notFound('App', id);
    },
  };
}

export type AppService = ReturnType<typeof createAppService>;

/** App Mode first, then the request's inputs, then (on a replace) the app's own, else the server's proposal. */
function chooseBindings(
  imported: ImportedWorkflow,
  requested: readonly InputBinding[] | undefined,
  kept: readonly InputBinding[] | undefined,
  pool: PoolInfo,
): { bindings: readonly InputBinding[]; source: InputsSource } {
  if (imported.appMode !== null && imported.appMode.inputs.length > 0) {
    const names = new Set<string>();
    const bindings = imported.appMode.inputs.map((entry) => {
      let name = slug(entry.label ?? entry.input);
      if (names.has(name)) name = slug(`${name}_${entry.node}`);
      names.add(name);
      return { name, node: entry.node, input: entry.input, ...(entry.label !== undefined && { label: entry.label }) };
    });
    return { bindings, source: 'app_mode' };
  }
  if (requested !== undefined) {
    checkNames(requested);
    return { bindings: requested, source: 'request' };
  }
  if (kept !== undefined) return { bindings: kept, source: 'request' };
  return { bindings: proposeInputs(imported.prompt, pool), source: 'proposal' };
}

function checkNames(bindings: readonly InputBinding[]): void {
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  bindings.forEach((b, i) => {
    if (!INPUT_NAME.test(b.name)) problems.push({ field: `inputs.${i}.name`, reason: 'must match ^[A-Za-z_][A-Za-z0-9_]{0,63}$' });
    else if (seen.has(b.name)) problems.push({ field: `inputs.${i}.name`, reason: `${b.name} is used twice` });
    seen.add(b.name);
  });
  if (problems.length > 0) throw invalidFields('Some inputs are not valid', problems);
}

function chooseOutputs(imported: ImportedWorkflow, requested: readonly string[] | undefined, kept: readonly AppOutput[] | undefined, pool: PoolInfo): AppOutput[] {
  const ids = imported.appMode?.outputs.length ? imported.appMode.outputs : requested;
  if (ids !== undefined) {
    const missing = ids.filter((id) => !Object.hasOwn(imported.prompt, id));
    if (missing.length > 0) throw badRequest('Some outputs are not nodes of the workflow', missing.map((id) => `node ${id}`).join(', '));
    return ids.map((id) => outputOf(imported.prompt, id));
  }
  const stillThere = (kept ?? []).filter((o) => Object.hasOwn(imported.prompt, o.node)).map((o) => outputOf(imported.prompt, o.node));
  return stillThere.length > 0 ? stillThere : defaultOutputs(imported.prompt, pool);
}

/** An input name from an App Mode label ("Seed (fixed)" → "seed_fixed"). */
function slug(text: string): string {
  const name = text.trim().toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 64);
  return INPUT_NAME.test(name) ? name : `input_${name || humanize(text).length}`.slice(0, 64);
}
