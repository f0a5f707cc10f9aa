import { describe, expect, it } from 'vitest';
import { gridLayout } from './sweep-grid';

describe('sweep grid layout', () => {
  it('puts a 2×3 grid in rows of the first axis and columns of the second, in cell order', () => {
    const [block] = gridLayout([{ input: 'cfg', values: [4, 7] }, { input: 'steps', values: [10, 20, 30] }], 'grid', 6);
    expect(block?.columns).toEqual(['10', '20', '30']);
    expect(block?.rows).toEqual([
      { label: 'cfg 4', cells: [0, 1, 2] },
      { label: 'cfg 7', cells: [3, 4, 5] },
    ]);
  });

  it('makes one block per value of the first of three axes', () => {
    const blocks = gridLayout([{ input: 'a', values: [1, 2] }, { input: 'b', values: ['x', 'y'] }, { input: 'c', values: [true, false] }], 'grid', 8);
    expect(blocks.map((b) => b.title)).toEqual(['a 1', 'a 2']);
    expect(blocks[1]?.rows[1]).toEqual({ label: 'b y', cells: [6, 7] });
  });

  it('shows zip as one row with every axis value on each cell', () => {
    const [block] = gridLayout([{ input: 'cfg', values: [4, 7] }, { input: 'seed', values: [1, 2] }], 'zip', 2);
    expect(block?.columns).toEqual(['cfg 4 · seed 1', 'cfg 7 · seed 2']);
    expect(block?.rows[0]?.cells).toEqual([0, 1]);
  });
});
