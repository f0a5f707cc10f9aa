/**
 * A run form's values: where they start (the workflow's own values, seeds random) and what the
 * sliders may span. Pure, tested without a page.
 */
import type { AppInputView } from '@contract';

export type FormValues = Readonly<Record<string, unknown>>;

/** The form's first values: each input's default; seeds start as "random", as ComfyUI's "randomize". */
export function initialValues(inputs: readonly AppInputView[]): FormValues {
  const values: Record<string, unknown> = {};
  for (const input of inputs) {
    if (input.type === 'seed') values[input.name] = 'random';
    else if (input.default !== null) values[input.name] = input.default;
  }
  return values;
}

/** A slider helps only over a range it can walk in at most 1,000 positions (cfg 0–100 by 0.1, denoise 0–1). */
export function sliderRange(input: AppInputView): { min: number; max: number; step: number } | null {
  if (input.type !== 'int' && input.type !== 'float') return null;
  if (input.min === undefined || input.max === undefined || input.max <= input.min) return null;
  const step = input.step ?? (input.type === 'int' ? 1 : 0.01);
  if ((input.max - input.min) / step > 1_000) return null;
  return { min: input.min, max: input.max, step };
}

/** Decimal places a step needs (0.1 → 1, 0.05 → 2, 8 → 0). */
export function decimalsOf(step: number | undefined): number {
  if (step === undefined || Number.isInteger(step)) return 0;
  const text = String(step);
  return text.includes('e-') ? Number(text.split('e-')[1]) : (text.split('.')[1]?.length ?? 0);
}

/** A seed a person could have typed: 0 … 2^53−1 (the schema's cap), drawn by the dice. */
export function randomSeed(max = Number.MAX_SAFE_INTEGER): number {
  const words = crypto.getRandomValues(new Uint32Array(2));
  const value = (Number(words[0] ?? 0) * 2 ** 21 + (Number(words[1] ?? 0) >>> 11)) % (max + 1);
  return value;
}
