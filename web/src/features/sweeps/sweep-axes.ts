/**
 * The sweep builder's axes as the person edits them, and what they become: the body of
 * POST …/sweeps and the number of cells, counted here the way the service counts them (ranges
 * include `to`; grid multiplies, zip needs axes of one length) so it shows before submitting.
 */
import type { AppInputView, InputValue, SweepAxisBody } from '@contract';

export type AxisKind = 'values' | 'range' | 'random';

export interface AxisDraft {
  readonly input: string;
  readonly kind: AxisKind;
  /** Typed values, as text (numbers are converted for numeric inputs). */
  readonly values: readonly string[];
  readonly from: number | '';
  readonly to: number | '';
  readonly step: number | '';
  readonly random: number | '';
}

export const emptyAxis = (input: string, kind: AxisKind = 'values'): AxisDraft => ({ input, kind, values: [], from: '', to: '', step: '', random: 4 });

const NUMERIC = new Set(['int', 'float', 'seed']);

/** A typed value for an input: numbers for numeric inputs, booleans for switches, else the text. */
export function valueFor(input: AppInputView | undefined, text: string): InputValue {
  if (input !== undefined && NUMERIC.has(input.type)) {
    const n = Number(text);
    return text.trim() !== '' && Number.isFinite(n) ? n : text;
  }
  if (input?.type === 'boolean') return text === 'true';
  const choice = input?.choices?.find((c) => String(c.value) === text);
  return choice?.value ?? text;
}

/** How many values an axis makes, or null while it is incomplete or wrong. */
export function axisLength(axis: AxisDraft): number | null {
  if (axis.input === '') return null;
  if (axis.kind === 'values') return axis.values.length > 0 ? axis.values.length : null;
  if (axis.kind === 'random') return typeof axis.random === 'number' && Number.isInteger(axis.random) && axis.random >= 1 ? axis.random : null;
  const { from, to, step } = axis;
  if (from === '' || to === '' || step === '' || !(step > 0) || to < from) return null;
  // The same hair of tolerance as the service, so 0.1-steps reach `to`.
  return Math.floor((to - from) / step + 1e-9) + 1;
}

export type CellCount = { readonly ok: true; readonly count: number } | { readonly ok: false; readonly problem: 'incomplete' | 'zipLengths' | 'duplicate' };

/** Cells of the sweep: the product of the axes' lengths (grid) or their common length (zip). */
export function cellCount(axes: readonly AxisDraft[], mode: 'grid' | 'zip'): CellCount {
  const names = axes.map((a) => a.input);
  if (new Set(names).size !== names.length) return { ok: false, problem: 'duplicate' };
  const lengths = axes.map(axisLength);
  if (lengths.length === 0 || lengths.some((n) => n === null)) return { ok: false, problem: 'incomplete' };
  const known = lengths as number[];
  if (mode === 'zip') return known.every((n) => n === known[0]) ? { ok: true, count: known[0] ?? 0 } : { ok: false, problem: 'zipLengths' };
  return { ok: true, count: known.reduce((a, b) => a * b, 1) };
}

/** The axis as POST …/sweeps takes it. */
export function axisBody(axis: AxisDraft, input: AppInputView | undefined): SweepAxisBody {
  if (axis.kind === 'range') return { input: axis.input, range: { from: Number(axis.from), to: Number(axis.to), step: Number(axis.step) } };
  if (axis.kind === 'random') return { input: axis.input, random: Number(axis.random) };
  return { input: axis.input, values: axis.values.map((text) => valueFor(input, text)) };
}

/** Which kinds an input's axis can take: ranges for numbers, random values for seeds. */
export function kindsFor(input: AppInputView | undefined): readonly AxisKind[] {
  if (input === undefined) return ['values'];
  if (input.type === 'seed') return ['values', 'range', 'random'];
  if (input.type === 'int' || input.type === 'float') return ['values', 'range'];
  return ['values'];
}
