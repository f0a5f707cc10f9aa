import type { FieldProblem } from '../errors.js';
import { drawSeed } from './compile.js';
import type { AppInput, InputValue, SweepAxis, SweepCell, SweepMode } from './types.js';

/** An axis with its values spelled out. */
export interface ExpandedAxis {
  readonly input: string;
  readonly values: readonly InputValue[];
}

export type AxesResult = { readonly ok: true; readonly axes: readonly ExpandedAxis[]; readonly count: number } | { readonly ok: false; readonly problems: readonly FieldProblem[] };

const isValue = (v: unknown): v is InputValue => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/**
 * Spell out each axis (`values`, `range` or `random: N`) and count the cells (`grid`: the
 * Cartesian product; `zip`: pairwise, so every axis has the same length). Sizes are checked
 * against `maxCells` before anything big is built: a range of a billion steps is refused, not made.
 */
export function expandAxes(axes: readonly SweepAxis[], mode: SweepMode, inputs: readonly AppInput[], maxCells: number): AxesResult {
  const problems: FieldProblem[] = [];
  const expanded: ExpandedAxis[] = [];
  const seen = new Set<string>();
  axes.forEach((axis, i) => {
    const field = `axes.${i}`;
    const input = inputs.find((x) => x.name === axis.input);
    if (input === undefined) return problems.push({ field: `${field}.input`, reason: `${JSON.stringify(axis.input)} is not an input of this app` });
    if (seen.has(axis.input)) return problems.push({ field: `${field}.input`, reason: `${axis.input} already has an axis` });
    seen.add(axis.input);
    const values = axisValues(axis, input, maxCells, field, problems);
    if (values !== undefined) expanded.push({ input: axis.input, values });
  });
  if (problems.length > 0) return { ok: false, problems };
  if (expanded.length === 0) return { ok: false, problems: [{ field: 'axes', reason: 'a sweep needs at least one axis' }] };
  let count: number;
  if (mode === 'zip') {
    count = expanded[0]?.values.length ?? 0;
    const uneven = expanded.filter((a) => a.values.length !== count);
    if (uneven.length > 0) return { ok: false, problems: uneven.map((a) => ({ field: 'axes', reason: `zip needs axes of one length: ${a.input} has ${a.values.length}, ${expanded[0]?.input} has ${count}` })) };
  } else {
    count = expanded.reduce((n, a) => n * a.values.length, 1);
  }
  return { ok: true, axes: expanded, count };
}

function axisValues(axis: SweepAxis, input: AppInput, maxCells: number, field: string, problems: FieldProblem[]): InputValue[] | undefined {
  if ('values' in axis) {
    if (axis.values.length === 0) return void problems.push({ field: `${field}.values`, reason: 'must not be empty' });
    const bad = axis.values.findIndex((v) => !isValue(v));
    if (bad !== -1) return void problems.push({ field: `${field}.values.${bad}`, reason: 'must be a string, number or boolean' });
    return axis.values as InputValue[];
  }
  if ('range' in axis) {
    const { from, to, step } = axis.range;
    if (!(step > 0)) return void problems.push({ field: `${field}.range.step`, reason: 'must be greater than 0' });
    if (to < from) return void problems.push({ field: `${field}.range.to`, reason: 'must not be less than from' });
    // A hair of tolerance so 0.1-steps reach `to` despite binary fractions.
    const n = Math.floor((to - from) / step + 1e-9) + 1;
    if (n > maxCells) return void problems.push({ field: `${field}.range`, reason: `makes ${n} values, more than --max-sweep-runs (${maxCells})` });
    const decimals = Math.max(decimalsOf(from), decimalsOf(step));
    return Array.from({ length: n }, (_, k) => Number((from + k * step).toFixed(decimals)));
  }
  if (input.type !== 'seed') return void problems.push({ field: `${field}.random`, reason: `random values are for seed inputs; ${input.name} is ${input.type}` });
  if (!Number.isInteger(axis.random) || axis.random < 1) return void problems.push({ field: `${field}.random`, reason: 'must be a positive integer' });
  if (axis.random > maxCells) return void problems.push({ field: `${field}.random`, reason: `more than --max-sweep-runs (${maxCells})` });
  return Array.from({ length: axis.random }, () => drawSeed(input));
}

function decimalsOf(n: number): number {
  const text = String(n);
  const dot = text.indexOf('.');
  return dot === -1 || text.includes('e') ? 0 : Math.min(10, text.length - dot - 1);
}

/** The cell at `index`: in grid mode the last axis varies fastest (reading order of the sheet). */
export function cellAt(axes: readonly ExpandedAxis[], mode: SweepMode, index: number): SweepCell {
  const coords: Record<string, InputValue> = {};
  if (mode === 'zip') {
    for (const axis of axes) coords[axis.input] = axis.values[index] as InputValue;
    return { index, coords };
  }
  let rest = index;
  for (let i = axes.length - 1; i >= 0; i--) {
    const axis = axes[i] as ExpandedAxis;
    coords[axis.input] = axis.values[rest % axis.values.length] as InputValue;
    rest = Math.floor(rest / axis.values.length);
  }
  // Keep the axes' order in the coords object.
  return { index, coords: Object.fromEntries(axes.map((a) => [a.input, coords[a.input] as InputValue])) };
}
