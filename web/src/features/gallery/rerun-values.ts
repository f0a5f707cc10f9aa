/**
 * "Run with changes": a finished job's literal input values as editable text, and the prompt
 * they make once edited. Links between nodes are never offered, so the graph stays as it ran.
 */

export type ValueKind = 'text' | 'number' | 'boolean' | 'json';

export interface EditableInput {
  /** `node/input`: the draft's key. */
  readonly key: string;
  readonly node: string;
  readonly classType: string;
  /** The node's title from `_meta`, when it has one. */
  readonly title: string | null;
  readonly name: string;
  readonly kind: ValueKind;
  /** What the field starts with: text for text, number and json kinds; a boolean for booleans. */
  readonly initial: string | boolean;
}

/** A draft: each input's key → what the field holds now. */
export type Draft = Readonly<Record<string, string | boolean>>;

const isLink = (value: unknown): boolean => Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'number';

function kindOf(value: unknown): ValueKind {
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  return 'json';
}

/** Every literal input of an API prompt, nodes in numeric id order. */
export function editableInputs(prompt: Readonly<Record<string, unknown>>): EditableInput[] {
  const result: EditableInput[] = [];
  const ids = Object.keys(prompt).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  for (const node of ids) {
    const entry = prompt[node] as { class_type?: unknown; inputs?: unknown; _meta?: { title?: unknown } } | undefined;
    if (typeof entry !== 'object' || entry === null || typeof entry.inputs !== 'object' || entry.inputs === null) continue;
    const classType = typeof entry.class_type === 'string' ? entry.class_type : '?';
    const title = typeof entry._meta?.title === 'string' && entry._meta.title !== classType ? entry._meta.title : null;
    for (const [name, value] of Object.entries(entry.inputs as Record<string, unknown>)) {
      if (isLink(value)) continue;
      const kind = kindOf(value);
      const initial = kind === 'boolean' ? (value as boolean) : kind === 'text' ? (value as string) : JSON.stringify(value);
      result.push({ key: `${node}/${name}`, node, classType, title, name, kind, initial });
    }
  }
  return result;
}

/** The field's problem, or null when its text reads as a value of its kind. */
export function problemOf(input: EditableInput, value: string | boolean): 'number' | 'json' | null {
  if (input.kind === 'number') return typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? null : 'number';
  if (input.kind === 'json') {
    try {
      JSON.parse(String(value));
      return null;
    } catch {
      return 'json';
    }
  }
  return null;
}

/** The prompt with the draft's values in place (a new object; the job's own prompt is untouched). */
export function promptWith(prompt: Readonly<Record<string, unknown>>, inputs: readonly EditableInput[], draft: Draft): Record<string, unknown> {
  const copy = structuredClone(prompt) as Record<string, { inputs: Record<string, unknown> }>;
  for (const input of inputs) {
    const value = draft[input.key] ?? input.initial;
    if (value === input.initial) continue;
    const target = copy[input.node]?.inputs;
    if (target === undefined) continue;
    target[input.name] = input.kind === 'number' ? Number(value) : input.kind === 'json' ? JSON.parse(String(value)) : value;
  }
  return copy;
}

/** The workflow's extra_data for a new run: our client id replaces the old one, the rest (the UI workflow) is kept. */
export function rerunExtraData(extraData: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { client_id: _dropped, ...rest } = extraData;
  return rest;
}

/**
 * extra_data for a changed run: without the old client id, and without the UI workflow, whose
 * widgets still hold the old values (a saved image would embed a workflow that does not match it).
 */
export function changedRunExtraData(extraData: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { client_id: _client, extra_pnginfo: pngInfo, ...rest } = extraData;
  if (typeof pngInfo !== 'object' || pngInfo === null) return rest;
  const { workflow: _workflow, ...otherInfo } = pngInfo as Record<string, unknown>;
  return Object.keys(otherInfo).length === 0 ? rest : { ...rest, extra_pnginfo: otherInfo };
}
