import type { InputInfo } from '../upstream/protocol/index.js';
import { asInputValue, choicesWithBackends, inputInfoOf, numberOf, type PoolInfo } from './pool-info.js';
import type { ApiPrompt, AppInput, AppInputType, InputBinding } from './types.js';

/** Seeds beyond this cannot travel exactly through JSON numbers in most clients (JavaScript's). */
const MAX_JSON_SEED = Number.MAX_SAFE_INTEGER;

/** A binding that no longer fits the workflow (its node or input is gone, or is now a link). */
export interface BrokenInput {
  readonly name: string;
  readonly node: string;
  readonly input: string;
  readonly reason: string;
}

export interface DescribedInputs {
  readonly inputs: readonly AppInput[];
  readonly broken: readonly BrokenInput[];
}

const SEED_NAMES = new Set(['seed', 'noise_seed']);

/**
 * Type each binding from the prompt (its current value) and the pool's /object_info (type, range,
 * choices and which backends have each). A binding whose node class no backend reports keeps
 * what the value itself says (a string, a number…), so an app stays usable while backends are away.
 */
export function describeInputs(bindings: readonly InputBinding[], prompt: ApiPrompt, pool: PoolInfo): DescribedInputs {
  const inputs: AppInput[] = [];
  const broken: BrokenInput[] = [];
  for (const binding of bindings) {
    const node = Object.hasOwn(prompt, binding.node) ? prompt[binding.node] : undefined;
    const fail = (reason: string) => broken.push({ name: binding.name, node: binding.node, input: binding.input, reason });
    if (node === undefined) {
      fail(`the workflow has no node ${binding.node}`);
      continue;
    }
    const current = Object.hasOwn(node.inputs, binding.input) ? node.inputs[binding.input] : undefined;
    const info = inputInfoOf(pool.union, node.class_type, binding.input);
    if (Array.isArray(current)) {
      fail(`input ${binding.input} of node ${binding.node} (${node.class_type}) is fed by a link, not a value`);
      continue;
    }
    if (current === undefined && info === undefined) {
      fail(`node ${binding.node} (${node.class_type}) has no input ${binding.input}`);
      continue;
    }
    const typed = typeInput(binding, node.class_type, current, info, pool);
    if (typeof typed === 'string') fail(typed);
    else inputs.push(typed);
  }
  return { inputs, broken };
}

function typeInput(binding: InputBinding, classType: string, current: unknown, info: InputInfo | undefined, pool: PoolInfo): AppInput | string {
  const extra = info?.extra ?? {};
  const fallback = asInputValue(current) ?? asInputValue(extra['default']) ?? null;
  const type = binding.type ?? inferType(binding.input, classType, fallback, info);
  if (type === undefined) return `input ${binding.input} of node ${binding.node} (${classType}) is not a value a run can set (${String(info?.type)})`;
  const base = {
    name: binding.name,
    node: binding.node,
    input: binding.input,
    type,
    label: binding.label ?? humanize(binding.name),
    description: binding.description ?? (typeof extra['tooltip'] === 'string' ? extra['tooltip'] : ''),
    default: binding.default ?? fallback,
  };
  switch (type) {
    case 'int':
    case 'float':
    case 'seed': {
      const min = binding.min ?? numberOf(extra['min']);
      let max = binding.max ?? numberOf(extra['max']);
      if (type === 'seed' && (max === undefined || max > MAX_JSON_SEED)) max = MAX_JSON_SEED;
      const step = binding.step ?? numberOf(extra['step']);
      return { ...base, ...(min !== undefined && { min }), ...(max !== undefined && { max }), ...(step !== undefined && type !== 'seed' && { step }) };
    }
    case 'string':
      return { ...base, multiline: binding.multiline ?? extra['multiline'] === true };
    case 'enum':
    case 'image': {
      const union = info?.choices ?? [];
      return { ...base, choices: choicesWithBackends(pool, classType, binding.input, union) };
    }
    default:
      return base;
  }
}

function inferType(input: string, classType: string, value: unknown, info: InputInfo | undefined): AppInputType | undefined {
  if (info !== undefined) {
    switch (info.kind) {
      case 'INT':
        return info.extra['control_after_generate'] === true || SEED_NAMES.has(input) ? 'seed' : 'int';
      case 'FLOAT':
        return 'float';
      case 'STRING':
        return 'string';
      case 'BOOLEAN':
        return 'boolean';
      case 'COMBO':
        return info.extra['image_upload'] === true || (classType.startsWith('LoadImage') && input === 'image') ? 'image' : 'enum';
      default:
        return undefined;
    }
  }
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return SEED_NAMES.has(input) ? 'seed' : Number.isInteger(value) ? 'int' : 'float';
  return undefined;
}

/** `negative_prompt` → "Negative prompt". */
export function humanize(name: string): string {
  const words = name.replace(/[_-]+/g, ' ').trim();
  return words === '' ? name : words.charAt(0).toUpperCase() + words.slice(1);
}
