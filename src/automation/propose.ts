import { nodeInfoOf, inputInfoOf, type PoolInfo } from './pool-info.js';
import type { ApiPrompt, AppOutput, InputBinding } from './types.js';

/** Inputs worth exposing whatever node carries them (steps, cfg, sizes, sampler settings…). */
const COMMON_INPUTS = new Set(['seed', 'noise_seed', 'steps', 'cfg', 'width', 'height', 'sampler_name', 'scheduler', 'denoise', 'guidance']);
const MODEL_FILE = /\.(safetensors|sft|ckpt|pt|pt2|pth|bin|gguf|onnx)$/i;

/**
 * The inputs the server suggests when neither App Mode nor the client chose any: prompt texts,
 * seeds, sizes, steps, cfg, sampler and scheduler, model choices and image loaders. Prompt texts
 * are named after how they reach a sampler (`prompt`, `negative_prompt`); a name used twice gets
 * the node id appended (`seed_12`).
 */
export function proposeInputs(prompt: ApiPrompt, pool: PoolInfo): InputBinding[] {
  const conditioning = conditioningRoles(prompt);
  const found: { name: string; node: string; input: string }[] = [];
  for (const id of sortedIds(prompt)) {
    const node = prompt[id];
    if (node === undefined) continue;
    for (const [input, value] of Object.entries(node.inputs)) {
      if (Array.isArray(value)) continue;
      const info = inputInfoOf(pool.union, node.class_type, input);
      const textInput = info?.kind === 'STRING' && info.extra['multiline'] === true;
      if (textInput) found.push({ name: conditioning.get(id) ?? 'text', node: id, input });
      else if (COMMON_INPUTS.has(input)) found.push({ name: input === 'noise_seed' ? 'seed' : input, node: id, input });
      else if (info?.kind === 'COMBO' && (info.extra['image_upload'] === true || (node.class_type.startsWith('LoadImage') && input === 'image'))) found.push({ name: 'image', node: id, input });
      else if (typeof value === 'string' && MODEL_FILE.test(value)) found.push({ name: input, node: id, input });
    }
  }
  const counts = new Map<string, number>();
  for (const f of found) counts.set(f.name, (counts.get(f.name) ?? 0) + 1);
  return found.map((f) => ({ name: (counts.get(f.name) ?? 0) > 1 ? `${f.name}_${f.node.replace(/[^A-Za-z0-9_]/g, '_')}` : f.name, node: f.node, input: f.input }));
}

/** The output nodes of a prompt (SaveImage, PreviewImage…), by the pool's output_node flags. */
export function defaultOutputs(prompt: ApiPrompt, pool: PoolInfo): AppOutput[] {
  return sortedIds(prompt).flatMap((id) => {
    const node = prompt[id];
    if (node === undefined) return [];
    const info = nodeInfoOf(pool.union, node.class_type);
    const isOutput = info === undefined ? /^(Save|Preview)/.test(node.class_type) : info.output_node === true;
    return isOutput ? [outputOf(prompt, id)] : [];
  });
}

export function outputOf(prompt: ApiPrompt, id: string): AppOutput {
  const node = prompt[id];
  const meta = node?._meta;
  const title = typeof meta === 'object' && meta !== null && 'title' in meta && typeof meta.title === 'string' ? meta.title : undefined;
  return { node: id, class_type: node?.class_type ?? '', label: title ?? node?.class_type ?? id };
}

/** Node ids in numeric order where they are numbers ("3" before "10"), then the rest. */
function sortedIds(prompt: ApiPrompt): string[] {
  return Object.keys(prompt).sort((a, b) => {
    const [x, y] = [Number(a), Number(b)];
    if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/** Text nodes feeding a `positive` input are the prompt, those feeding `negative` the negative prompt. */
function conditioningRoles(prompt: ApiPrompt): Map<string, string> {
  const roles = new Map<string, string>();
  for (const node of Object.values(prompt)) {
    for (const [input, value] of Object.entries(node.inputs)) {
      if (!Array.isArray(value) || typeof value[0] !== 'string') continue;
      if (input === 'positive') roles.set(value[0], 'prompt');
      else if (input === 'negative') roles.set(value[0], 'negative_prompt');
    }
  }
  return roles;
}
