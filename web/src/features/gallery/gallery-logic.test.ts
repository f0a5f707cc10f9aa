import { describe, expect, it } from 'vitest';
import type { JobSummary } from '@contract';
import { readDevices, vramUsedPercent } from '../../components/devices';
import { pagesFor, sortFor, statusesFor } from './job-pages';
import { outputFiles, promptParameters, thumbnailOf } from './outputs';
import { columnsFor } from './thumb-grid';
import { rerunExtraData } from './job-detail';

describe('paging', () => {
  it('asks only for the pages that hold the visible items', () => {
    expect(pagesFor(0, 0, 120)).toEqual([0]);
    expect(pagesFor(100, 250, 120)).toEqual([0, 1, 2]);
    expect(pagesFor(99_880, 99_999, 120)).toEqual([832, 833]);
    expect(pagesFor(5, 4)).toEqual([]);
  });

  it('maps filters to /api/jobs statuses and order', () => {
    expect(statusesFor('all')).toEqual(['completed', 'failed', 'cancelled']);
    expect(statusesFor('failed')).toEqual(['failed']);
    expect(sortFor('longest')).toEqual({ order: 'desc', sortBy: 'execution_duration' });
    expect(sortFor('oldest')).toEqual({ order: 'asc', sortBy: 'created_at' });
  });

  it('fits at least one column', () => {
    expect(columnsFor(0)).toBe(1);
    expect(columnsFor(168)).toBe(1);
    expect(columnsFor(168 * 3 + 8 * 2)).toBe(3);
  });
});

describe('outputs', () => {
  it('lists every file of every node in node order, skipping values that are not files', () => {
    const files = outputFiles({
      '10': { images: [{ filename: 'b.png', subfolder: '', type: 'output' }] },
      '9': { images: [{ filename: 'a.png', subfolder: 'x', type: 'temp' }], text: ['hello'] },
    });
    expect(files.map((f) => `${f.node}:${f.kind}:${f.subfolder}/${f.filename}:${f.type}`)).toEqual(['9:images:x/a.png:temp', '10:images:/b.png:output']);
    expect(outputFiles(undefined)).toEqual([]);
  });

  it('shows a thumbnail only for a job whose first output is a picture', () => {
    const job = (preview?: Record<string, unknown>): JobSummary => ({ id: 'j', status: 'completed', priority: 1, create_time: 0, outputs_count: 1, previewable_outputs_count: 1, ...(preview && { preview_output: preview }) });
    expect(thumbnailOf(job({ filename: 'a.png', subfolder: '', type: 'output', nodeId: '9', mediaType: 'images' }))).toEqual({ filename: 'a.png', subfolder: '', type: 'output' });
    expect(thumbnailOf(job({ filename: 'a.mp4', subfolder: '', type: 'output' }))).toBeNull();
    expect(thumbnailOf(job())).toBeNull();
  });

  it('shows a prompt’s widget values and leaves links to other nodes out', () => {
    const rows = promptParameters({
      '3': { class_type: 'KSampler', inputs: { seed: 5, model: ['4', 0], sampler_name: 'euler' } },
      '10': { class_type: 'SaveImage', inputs: { images: ['8', 0], filename_prefix: 'x' } },
    });
    expect(rows).toEqual([
      { node: '3', classType: 'KSampler', inputs: [['seed', '5'], ['sampler_name', 'euler']] },
      { node: '10', classType: 'SaveImage', inputs: [['filename_prefix', 'x']] },
    ]);
  });

  it('re-runs with the workflow kept and the old client id dropped', () => {
    expect(rerunExtraData({ client_id: 'old', extra_pnginfo: { workflow: {} } })).toEqual({ extra_pnginfo: { workflow: {} } });
  });
});

describe('devices', () => {
  it('reads /system_stats devices and the share of VRAM in use', () => {
    const [gpu, cpu] = readDevices([{ name: 'cuda:0 RTX', type: 'cuda', vram_total: 1000, vram_free: 250 }, { name: 'cpu', type: 'cpu' }, 'junk']);
    expect(gpu && vramUsedPercent(gpu)).toBe(75);
    expect(cpu && vramUsedPercent(cpu)).toBeNull();
  });
});
