import { describe, expect, it } from 'vitest';
import type { AppInputView } from '@contract';
import { decimalsOf, initialValues, randomSeed, sliderRange } from './input-values';

const input = (over: Partial<AppInputView>): AppInputView => ({ name: 'x', node: '1', input: 'x', type: 'int', label: 'X', description: '', default: null, ...over });

describe('run form values', () => {
  it('start from the workflow’s values, with seeds random and inputs without a default left out', () => {
    const values = initialValues([
      input({ name: 'steps', default: 20 }),
      input({ name: 'seed', type: 'seed', default: 42 }),
      input({ name: 'prompt', type: 'string', default: 'a cat' }),
      input({ name: 'image', type: 'image', default: null }),
    ]);
    expect(values).toEqual({ steps: 20, seed: 'random', prompt: 'a cat' });
  });

  it('offer a slider over ranges it can walk in at most 1,000 positions', () => {
    expect(sliderRange(input({ type: 'float', min: 0, max: 100, step: 0.1 }))).toEqual({ min: 0, max: 100, step: 0.1 });
    expect(sliderRange(input({ type: 'float', min: 0, max: 1 }))).toEqual({ min: 0, max: 1, step: 0.01 });
    expect(sliderRange(input({ type: 'int', min: 1, max: 10000 }))).toBeNull();
    expect(sliderRange(input({ type: 'int' }))).toBeNull();
    expect(sliderRange(input({ type: 'string', min: 0, max: 1 }))).toBeNull();
  });

  it('know the decimals a step needs', () => {
    expect([decimalsOf(0.1), decimalsOf(0.05), decimalsOf(8), decimalsOf(undefined), decimalsOf(1e-7)]).toEqual([1, 2, 0, 0, 7]);
  });

  it('roll seeds within the input’s range', () => {
    for (let i = 0; i < 50; i++) {
      const seed = randomSeed(1000);
      expect(Number.isInteger(seed) && seed >= 0 && seed <= 1000).toBe(true);
    }
    expect(Number.isSafeInteger(randomSeed())).toBe(true);
  });
});
