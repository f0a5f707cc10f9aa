import type { ApiPrompt, AppInput, InputValue } from './types.js';

/** The frontend draws seeds below 2^50 (its `control_after_generate` randomize); so do we. */
const RANDOM_SEED_LIMIT = 2 ** 50;

/** A seed in [min, max], drawn the way the frontend's randomize does. */
export function drawSeed(input: Pick<AppInput, 'min' | 'max'>, random: () => number = Math.random): number {
  const min = Math.max(0, Math.ceil(input.min ?? 0));
  const max = Math.min(Math.floor(input.max ?? RANDOM_SEED_LIMIT - 1), RANDOM_SEED_LIMIT - 1);
  return min + Math.floor(random() * (max - min + 1));
}

/**
 * The values a run uses for every input: the given ones, the workflow's for the rest, and
 * `"random"` seeds drawn here, so the run records exactly what it ran with.
 */
export function resolveValues(inputs: readonly AppInput[], given: Readonly<Record<string, unknown>>): Record<string, InputValue> {
  const values: Record<string, InputValue> = {};
  for (const input of inputs) {
    const value = Object.hasOwn(given, input.name) ? given[input.name] : input.default;
    if (input.type === 'seed' && value === 'random') values[input.name] = drawSeed(input);
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') values[input.name] = value;
  }
  return values;
}

/**
 * The API prompt with each input's value written into its node. Only the nodes that change are
 * copied; the rest are shared with the app's prompt (a sweep compiles thousands of these).
 */
export function compilePrompt(prompt: ApiPrompt, inputs: readonly AppInput[], values: Readonly<Record<string, InputValue>>): ApiPrompt {
  const out: Record<string, ApiPrompt[string]> = { ...prompt };
  for (const input of inputs) {
    if (!Object.hasOwn(values, input.name)) continue;
    const node = out[input.node];
    if (node === undefined) continue;
    out[input.node] = { ...node, inputs: { ...node.inputs, [input.input]: values[input.name] } };
  }
  return out;
}
