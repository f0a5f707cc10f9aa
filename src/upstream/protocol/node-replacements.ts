/**
 * Node replacements (ComfyUI 0.14+, app/node_replace_manager.py): classes that were renamed or
 * folded into others are registered with their successor, served by GET /node_replacements, and
 * POST /prompt rewrites a node whose class is not installed but has a registered successor that
 * is, before validation: new class_type, inputs mapped (renamed, or set to a fixed value; without
 * a mapping the inputs are dropped), and links to its outputs re-pointed by the output mapping.
 */
import { cloneJson, PyFloat } from './python-json.js';

export interface NodeReplacement {
  readonly new_node_id: string;
  readonly old_node_id: string;
  readonly old_widget_ids: readonly string[] | null;
  readonly input_mapping: readonly Readonly<Record<string, unknown>>[] | null;
  readonly output_mapping: readonly { readonly new_idx: number; readonly old_idx: number }[] | null;
}

/** GET /node_replacements: old class → its registered replacements (the first one is used). */
export type NodeReplacements = Readonly<Record<string, readonly NodeReplacement[]>>;

export type ReplacementResult =
  | { readonly ok: true; readonly prompt: Record<string, unknown>; readonly replaced: readonly string[] }
  /** Where ComfyUI raises (a node without `_meta`, a mapped input the node lacks): its bare 500. */
  | { readonly ok: false; readonly reason: string };

const isDict = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof PyFloat);

/** ComfyUI's is_link: `[node_id: str, slot: int]`. */
const isLink = (value: unknown): value is [string, number] =>
  Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && Number.isInteger(value[1]);

/** Keep the well-formed entries of a GET /node_replacements body; anything else is dropped. */
export function parseNodeReplacements(body: unknown): NodeReplacements {
  if (!isDict(body)) return {};
  const out: Record<string, NodeReplacement[]> = {};
  for (const [oldId, list] of Object.entries(body)) {
    if (!Array.isArray(list)) continue;
    const entries = list.filter(
      (r): r is NodeReplacement => isDict(r) && typeof r['new_node_id'] === 'string' && r['old_node_id'] === oldId,
    );
    if (entries.length > 0) out[oldId] = entries.map((r) => ({
      new_node_id: r.new_node_id,
      old_node_id: r.old_node_id,
      old_widget_ids: Array.isArray(r.old_widget_ids) ? r.old_widget_ids : null,
      input_mapping: Array.isArray(r.input_mapping) ? r.input_mapping.filter(isDict) : null,
      output_mapping: Array.isArray(r.output_mapping) ? r.output_mapping.filter((m) => isDict(m) && Number.isInteger(m.new_idx) && Number.isInteger(m.old_idx)) : null,
    }));
  }
  return out;
}

/** Several backends' tables as one: per old class, the first backend's entries, then new ones. */
export function mergeNodeReplacements(tables: readonly NodeReplacements[]): NodeReplacements {
  const out: Record<string, NodeReplacement[]> = {};
  for (const table of tables) {
    for (const [oldId, entries] of Object.entries(table)) {
      const known = (out[oldId] ??= []);
      for (const entry of entries) if (!known.some((k) => k.new_node_id === entry.new_node_id)) known.push(entry);
    }
  }
  return out;
}

/**
 * Rewrite the nodes of `prompt` whose class `offers` lacks and whose first replacement it has.
 * `prompt` is not changed; the result is a copy when anything was replaced.
 */
export function applyNodeReplacements(
  prompt: Readonly<Record<string, unknown>>,
  table: NodeReplacements,
  offers: (classType: string) => boolean,
): ReplacementResult {
  const consumers = new Map<string, { node: string; input: string; slot: number }[]>();
  const replace: string[] = [];
  for (const [id, node] of Object.entries(prompt)) {
    if (!isDict(node) || !('class_type' in node) || !isDict(node['inputs'])) continue;
    const classType = node['class_type'];
    if (typeof classType === 'string' && !offers(classType) && Object.hasOwn(table, classType)) replace.push(id);
    for (const [input, value] of Object.entries(node['inputs'])) {
      if (!isLink(value)) continue;
      const list = consumers.get(value[0]) ?? [];
      list.push({ node: id, input, slot: value[1] });
      consumers.set(value[0], list);
    }
  }
  const chosen = replace.flatMap((id) => {
    const node = prompt[id] as Record<string, unknown>;
    const replacement = table[node['class_type'] as string]?.[0];
    return replacement && offers(replacement.new_node_id) ? [{ id, node, replacement }] : [];
  });
  if (chosen.length === 0) return { ok: true, prompt: { ...prompt }, replaced: [] };

  const out: Record<string, unknown> = cloneJson({ ...prompt });
  for (const { id, node, replacement } of chosen) {
    // ComfyUI copies node["_meta"] unconditionally: a node without one makes it raise.
    if (!isDict(node['_meta'])) return { ok: false, reason: `KeyError: '_meta' (node ${id})` };
    const oldInputs = node['inputs'] as Record<string, unknown>;
    const inputs: Record<string, unknown> = {};
    for (const map of replacement.input_mapping ?? []) {
      const newId = String(map['new_id']);
      if ('set_value' in map) inputs[newId] = cloneJson(map['set_value']);
      else if ('old_id' in map) {
        const oldId = String(map['old_id']);
        if (!Object.hasOwn(oldInputs, oldId)) return { ok: false, reason: `KeyError: '${oldId}' (node ${id})` };
        inputs[newId] = cloneJson(oldInputs[oldId]);
      }
    }
    out[id] = { ...cloneJson(node), class_type: replacement.new_node_id, inputs };
    const outputMapping = replacement.output_mapping ?? [];
    for (const use of outputMapping.length === 0 ? [] : consumers.get(id) ?? []) {
      const map = outputMapping.find((m) => m.old_idx === use.slot);
      const target = out[use.node];
      const link = isDict(target) && isDict(target['inputs']) ? target['inputs'][use.input] : undefined;
      if (map && isLink(link)) link[1] = map.new_idx;
    }
  }
  return { ok: true, prompt: out, replaced: chosen.map((c) => c.id) };
}
