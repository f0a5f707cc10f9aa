import { describe, expect, it } from 'vitest';
import type { AppInputView } from '@contract';
import { axisBody, axisLength, cellCount, emptyAxis, kindsFor, valueFor, type AxisDraft } from './sweep-axes';

const cfg: AppInputView = { name: 'cfg', node: '3', input: 'cfg', type: 'float', label: 'Cfg', description: '', default: 8, min: 0, max: 100, step: 0.1 };
const sampler: AppInputView = { name: 'sampler', node: '3', input: 'sampler_name', type: 'enum', label: 'Sampler', description: '', default: 'euler', choices: [{ value: 'euler', backends: ['a'] }] };
const seed: AppInputView = { name: 'seed', node: '3', input: 'seed', type: 'seed', label: 'Seed', description: '', default: 1 };

const values = (input: string, list: string[]): AxisDraft => ({ ...emptyAxis(input), values: list });
const range = (input: string, from: number, to: number, step: number): AxisDraft => ({ ...emptyAxis(input, 'range'), from, to, step });

describe('sweep axes', () => {
  it('counts a 2×3 grid as 6 cells, with a range that includes its end', () => {
    const axes = [values('cfg', ['4', '7']), range('steps', 10, 30, 10)];
    expect(axisLength(axes[1] as AxisDraft)).toBe(3);
    expect(cellCount(axes, 'grid')).toEqual({ ok: true, count: 6 });
  });

  it('reaches the end of a 0.1 range despite binary fractions', () => {
    expect(axisLength(range('denoise', 0.5, 1, 0.1))).toBe(6);
  });

  it('zip needs axes of one length; an incomplete or repeated axis has no count', () => {
    expect(cellCount([values('cfg', ['4', '7']), values('steps', ['10', '20'])], 'zip')).toEqual({ ok: true, count: 2 });
    expect(cellCount([values('cfg', ['4', '7']), values('steps', ['10'])], 'zip')).toEqual({ ok: false, problem: 'zipLengths' });
    expect(cellCount([values('cfg', [])], 'grid')).toEqual({ ok: false, problem: 'incomplete' });
    expect(cellCount([range('cfg', 5, 1, 1)], 'grid')).toEqual({ ok: false, problem: 'incomplete' });
    expect(cellCount([values('cfg', ['1']), values('cfg', ['2'])], 'grid')).toEqual({ ok: false, problem: 'duplicate' });
    expect(cellCount([], 'grid')).toEqual({ ok: false, problem: 'incomplete' });
  });

  it('sends numbers for numeric inputs and choices as they are', () => {
    expect(axisBody(values('cfg', ['4', '7.5']), cfg)).toEqual({ input: 'cfg', values: [4, 7.5] });
    expect(valueFor(sampler, 'euler')).toBe('euler');
    expect(axisBody({ ...emptyAxis('seed', 'random'), random: 3 }, seed)).toEqual({ input: 'seed', random: 3 });
    expect(axisBody(range('cfg', 1, 2, 0.5), cfg)).toEqual({ input: 'cfg', range: { from: 1, to: 2, step: 0.5 } });
  });

  it('offers ranges for numbers and random values for seeds only', () => {
    expect(kindsFor(seed)).toEqual(['values', 'range', 'random']);
    expect(kindsFor(cfg)).toEqual(['values', 'range']);
    expect(kindsFor(sampler)).toEqual(['values']);
  });
});
