import { isRecord } from './prompt-run.js';

type Info = Readonly<Record<string, unknown>>;

/**
 * The pool's object_info as one ComfyUI's: every class any backend offers, described by the
 * first backend that offers it, with each combo input listing the choices of every backend
 * that has the class (first-seen order). Backends differ mostly in their model files; a client
 * picks a checkpoint from this list and placement then sends the prompt where that file is.
 */
export function mergeObjectInfos(infos: readonly Info[]): Info {
  const union: Record<string, unknown> = {};
  for (const info of infos) {
    for (const [name, node] of Object.entries(info)) {
      const known = union[name];
      union[name] = known === undefined ? node : withChoicesOf(known, node);
    }
  }
  return union;
}

/** `node` (already in the union) with the combo choices `other` adds. */
function withChoicesOf(node: unknown, other: unknown): unknown {
  if (!isRecord(node) || !isRecord(other) || !isRecord(node.input) || !isRecord(other.input)) return node;
  let input: Record<string, unknown> | undefined;
  for (const category of ['required', 'optional']) {
    const mine = node.input[category];
    const theirs = other.input[category];
    if (!isRecord(mine) || !isRecord(theirs)) continue;
    for (const [key, spec] of Object.entries(mine)) {
      const merged = mergedCombo(spec, theirs[key]);
      if (merged === spec) continue;
      input ??= { ...node.input };
      input[category] = { ...(input[category] as Record<string, unknown>), [key]: merged };
    }
  }
  return input === undefined ? node : { ...node, input };
}

/** A combo spec with the other's extra choices appended; the same spec when there are none. */
function mergedCombo(spec: unknown, other: unknown): unknown {
  if (!Array.isArray(spec) || !Array.isArray(other)) return spec;
  const [type, options] = spec as unknown[];
  const [otherType, otherOptions] = other as unknown[];
  // Legacy form: [[choice, …], {…}?]
  if (Array.isArray(type) && Array.isArray(otherType)) {
    const extra = otherType.filter((choice) => !type.includes(choice));
    return extra.length === 0 ? spec : [[...type, ...extra], ...spec.slice(1)];
  }
  // COMBO form: ["COMBO", {options: [choice, …], …}]
  if (type === 'COMBO' && otherType === 'COMBO' && isRecord(options) && isRecord(otherOptions)) {
    const mine = Array.isArray(options.options) ? options.options : [];
    const theirs = Array.isArray(otherOptions.options) ? otherOptions.options : [];
    const extra = theirs.filter((choice) => !mine.includes(choice));
    return extra.length === 0 ? spec : [type, { ...options, options: [...mine, ...extra] }, ...spec.slice(2)];
  }
  return spec;
}

/**
 * Fields every node has since ComfyUI 0.33 (is_input_list, has_intermediate_output,
 * search_aliases), filled with their neutral values for nodes an older backend described, so
 * clients see one shape across a mixed pool. Returns `info` itself when nothing is missing.
 */
export function withCurrentNodeFields(info: Info): Info {
  let out: Record<string, unknown> | undefined;
  for (const [name, node] of Object.entries(info)) {
    if (!isRecord(node) || ('is_input_list' in node && 'has_intermediate_output' in node && 'search_aliases' in node)) continue;
    out ??= { ...info };
    out[name] = {
      is_input_list: false,
      ...node,
      ...(!('has_intermediate_output' in node) && { has_intermediate_output: false }),
      ...(!('search_aliases' in node) && { search_aliases: [] }),
    };
  }
  return out ?? info;
}
