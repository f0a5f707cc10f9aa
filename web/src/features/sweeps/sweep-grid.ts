/**
 * Where each cell of a sweep goes on screen, the way the contact sheet lays it out: in a grid the
 * first axis runs down the rows and the last across the columns (the last axis varies fastest in
 * cell order); a third axis makes one block per value of the first; zip is one row.
 */
import type { InputValue } from '@contract';

export interface GridBlock {
  /** `seed = 3` for a block of a three-axis grid. */
  readonly title: string | null;
  readonly columns: readonly string[];
  readonly rows: readonly { readonly label: string; readonly cells: readonly number[] }[];
}

const text = (v: InputValue | undefined): string => (v === undefined ? '' : String(v));

export function gridLayout(axes: readonly { readonly input: string; readonly values: readonly InputValue[] }[], mode: 'grid' | 'zip', count: number): GridBlock[] {
  const indices = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
  if (mode === 'zip' || axes.length === 0) {
    const columns = indices(0, count).map((i) => axes.map((a) => `${a.input} ${text(a.values[i])}`).join(' · '));
    return [{ title: null, columns, rows: [{ label: '', cells: indices(0, count) }] }];
  }
  const [a, b, c] = axes;
  if (axes.length === 1 && a !== undefined) {
    return [{ title: null, columns: a.values.map(text), rows: [{ label: a.input, cells: indices(0, a.values.length) }] }];
  }
  if (axes.length === 2 && a !== undefined && b !== undefined) {
    return [{ title: null, columns: b.values.map(text), rows: a.values.map((v, r) => ({ label: `${a.input} ${text(v)}`, cells: indices(r * b.values.length, b.values.length) })) }];
  }
  if (a === undefined || b === undefined || c === undefined) return [];
  const block = b.values.length * c.values.length;
  return a.values.map((va, k) => ({
    title: `${a.input} ${text(va)}`,
    columns: c.values.map(text),
    rows: b.values.map((vb, r) => ({ label: `${b.input} ${text(vb)}`, cells: indices(k * block + r * c.values.length, c.values.length) })),
  }));
}
