import { describe, expect, it } from 'vitest';
import type { JobSummary } from '@contract';
import { readDevices, vramUsedPercent } from '../../components/devices';
import { dayStart, jobsQueryFor, NO_FILTER, pagesFor, sortFor, statusesFor } from './job-pages';
import { outputFiles, promptParameters, thumbnailOf } from './outputs';
import { columnsFor } from './thumb-grid';
import { changedRunExtraData, editableInputs, problemOf, promptWith, rerunExtraData } from './rerun-values';

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

  it('sends every filter to the server, leaving out the ones not set', () => {
    expect(jobsQueryFor(NO_FILTER, 2)).toEqual({ statuses: ['completed', 'failed', 'cancelled'], order: 'desc', sortBy: 'created_at', offset: 240, limit: 120 });
    const query = jobsQueryFor({ status: 'failed', sort: 'oldest', app: 'app-1', backend: 'gpu-2', from: '2026-03-01', to: '2026-03-02', text: '  red fox ' }, 0);
    expect(query).toEqual({
      statuses: ['failed'],
      order: 'asc',
      sortBy: 'created_at',
      offset: 0,
      limit: 120,
      appId: 'app-1',
      backend: 'gpu-2',
      createdFrom: new Date(2026, 2, 1).getTime(),
      // The "to" day is included: up to the next local midnight.
      createdBefore: new Date(2026, 2, 3).getTime(),
      text: 'red fox',
    });
    expect(jobsQueryFor({ ...NO_FILTER, text: '   ', from: 'not a day' }, 0)).not.toHaveProperty('text');
    expect(dayStart('2026-12-31', 1)).toBe(new Date(2027, 0, 1).getTime());
    expect(dayStart('')).toBeUndefined();
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

describe('run with changes', () => {
  const prompt = {
    '10': { class_type: 'SaveImage', inputs: { images: ['8', 0], filename_prefix: 'fox' } },
    '3': { class_type: 'KSampler', inputs: { seed: 5, cfg: 7.5, model: ['4', 0], denoise_map: [1, 2, 3], tiled: false } },
    '6': { class_type: 'CLIPTextEncode', inputs: { text: 'a red fox', clip: ['4', 1] }, _meta: { title: 'Positive' } },
  };

  it('offers each literal input in node order, links left out, typed by its value', () => {
    const inputs = editableInputs(prompt);
    expect(inputs.map((i) => [i.key, i.kind, i.initial])).toEqual([
      ['3/seed', 'number', '5'],
      ['3/cfg', 'number', '7.5'],
      ['3/denoise_map', 'json', '[1,2,3]'],
      ['3/tiled', 'boolean', false],
      ['6/text', 'text', 'a red fox'],
      ['10/filename_prefix', 'text', 'fox'],
    ]);
    expect(inputs.find((i) => i.node === '6')?.title).toBe('Positive');
  });

  it('builds the changed prompt with values of the inputs’ own types, the job’s prompt untouched', () => {
    const inputs = editableInputs(prompt);
    const changed = promptWith(prompt, inputs, { '3/seed': '42', '3/tiled': true, '3/denoise_map': '[4]', '6/text': 'a blue fox' });
    expect(changed['3']).toEqual({ class_type: 'KSampler', inputs: { seed: 42, cfg: 7.5, model: ['4', 0], denoise_map: [4], tiled: true } });
    expect((changed['6'] as { inputs: unknown }).inputs).toEqual({ text: 'a blue fox', clip: ['4', 1] });
    expect(prompt['6'].inputs.text).toBe('a red fox');
  });

  it('refuses a number or JSON field that does not read as one', () => {
    const [seed, , map] = editableInputs(prompt);
    expect(seed && problemOf(seed, 'abc')).toBe('number');
    expect(seed && problemOf(seed, ' ')).toBe('number');
    expect(seed && problemOf(seed, '1e3')).toBeNull();
    expect(map && problemOf(map, '[1,')).toBe('json');
  });

  it('drops the stale UI workflow (its widgets hold the old values) but keeps the other extra data', () => {
    expect(changedRunExtraData({ client_id: 'old', extra_pnginfo: { workflow: { nodes: [] }, note: 'x' }, preview_method: 'auto' })).toEqual({ extra_pnginfo: { note: 'x' }, preview_method: 'auto' });
    expect(changedRunExtraData({ extra_pnginfo: { workflow: {} } })).toEqual({});
  });
});

describe('devices', () => {
  it('reads /system_stats devices and the share of VRAM in use', () => {
    const [gpu, cpu] = readDevices([{ name: 'cuda:0 RTX', type: 'cuda', vram_total: 1000, vram_free: 250 }, { name: 'cpu', type: 'cpu' }, 'junk']);
    expect(gpu && vramUsedPercent(gpu)).toBe(75);
    expect(cpu && vramUsedPercent(cpu)).toBeNull();
  });
});
