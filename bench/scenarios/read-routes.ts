/**
 * ComfyUI's read routes answered by the gateway: GET /queue, GET /history?max_items=50 over a
 * large durable history, GET /object_info from the cache — against the fake's own answers
 * (measured here) and real ComfyUI's (STACK.md, measured on this machine kind, not in this run).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DATABASE_FILE } from '../../src/store/index.js';
import { openSqliteDatabase } from '../../src/store/sqlite/open.js';
import { createSqliteEventLog } from '../../src/store/sqlite/events.js';
import { createSqlitePromptStore } from '../../src/store/sqlite/prompts.js';
import { paired, until, type BenchContext } from '../lib/context.js';
import type { FakeProcess } from '../lib/fakes.js';
import { fire, progress } from '../lib/load.js';
import { row, type ScenarioRow } from '../lib/report.js';
import type { Service } from '../lib/service.js';

/** EmptyImage → ImageInvert → SaveImage + PreviewImage, as the gateway tests run it. */
export function simpleGraph(color: number): Record<string, unknown> {
  return {
    '1': { class_type: 'EmptyImage', inputs: { width: 16, height: 16, batch_size: 1, color } },
    '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
    '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'bench' } },
    '4': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
  };
}

/** A real history entry: the fake runs the simple graph once and the bench reads it back. */
export async function sampleHistoryEntry(fake: FakeProcess): Promise<Record<string, unknown>> {
  const url = fake.fakes[0]?.url ?? '';
  const response = await fetch(`${url}/prompt`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: simpleGraph(0x336699), client_id: 'bench-sample' }),
  });
  const { prompt_id: id } = (await response.json()) as { prompt_id: string };
  let entry: Record<string, unknown> | undefined;
  await until(async () => {
    const history = (await (await fetch(`${url}/history/${id}`)).json()) as Record<string, Record<string, unknown>>;
    entry = history[id];
    return entry !== undefined;
  }, 'the sample prompt in the fake\'s history');
  return entry ?? {};
}

/**
 * A data dir whose store holds `count` finished prompts, written through the prompt store's API
 * (insert, then finish with the history entry) before the service starts on it. One outer
 * transaction around it all (the store's own become savepoints) keeps 100k of them to seconds.
 */
export async function seedServiceHistory(entry: Record<string, unknown>, count: number): Promise<string> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'automa-bench-history-'));
  const db = openSqliteDatabase(path.join(dataDir, DATABASE_FILE));
  const prompts = createSqlitePromptStore(db, createSqliteEventLog(db));
  const tuple = Array.isArray(entry['prompt']) ? (entry['prompt'] as unknown[]) : [];
  const graph = (tuple[2] ?? simpleGraph(1)) as Record<string, unknown>;
  const outputs = (tuple[4] ?? ['3', '4']) as string[];
  const start = Date.now() - count * 1000;
  try {
    db.exec('BEGIN');
    for (let i = 0; i < count; i++) {
      const id = randomUUID();
      const createTime = start + i * 1000;
      const extraData = { client_id: 'bench-seed', create_time: createTime };
      await prompts.insert({ id, number: i, prompt: graph, extraData, outputsToExecute: outputs, clientId: 'bench-seed', createTime });
      await prompts.finish(id, {
        state: 'completed',
        startTime: createTime + 10,
        endTime: createTime + 500,
        entry: { ...entry, prompt: [i, id, graph, extraData, outputs] },
      });
    }
    db.exec('COMMIT');
  } finally {
    db.close();
  }
  return dataDir;
}

const COMFY = 'real ComfyUI 0.8.0 on this machine kind (STACK.md; not measured in this run)';

export async function readRouteScenarios(ctx: BenchContext, fake: FakeProcess, service: Service, historyItems: number): Promise<ScenarioRow[]> {
  const direct = fake.fakes[0]?.url ?? '';
  // ComfyUI keeps at most 10,000 history entries in memory; the fake does the same.
  const fakeHistory = Math.min(historyItems, 10_000);
  await fake.call({ cmd: 'seedHistory', fake: 0, count: fakeHistory, entry: await sampleHistoryEntry(fake) });
  progress(`  the fake's history holds ${fakeHistory.toLocaleString('en-US')} entries`);
  // autocannon rounds a duration up to whole seconds.
  const seconds = ctx.size(3, 1);
  const rate = async (url: string): Promise<number> => {
    await fake.call({ cmd: 'resetReceived' });
    return (await fire({ url, connections: 10, seconds })).rps;
  };
  const routes = [
    { path: '/queue', name: 'GET /queue', fakeNote: 'the fake\'s own GET /queue', comfy: 8100, target: 5 },
    {
      path: '/history?max_items=50',
      name: `GET /history?max_items=50 (${historyItems.toLocaleString('en-US')} entries)`,
      fakeNote: `the fake's own (in-memory, ${fakeHistory.toLocaleString('en-US')} entries: ComfyUI's cap)`,
      comfy: 2900,
      target: 5,
    },
    { path: '/object_info', name: 'GET /object_info (446 classes, cached)', fakeNote: 'the fake\'s own GET /object_info (built per call)', comfy: 33, target: 50 },
  ];
  const rows: ScenarioRow[] = [];
  for (const route of routes) {
    if (!ctx.quick) {
      await fire({ url: service.url + route.path, connections: 10, seconds: 1 });
      await fire({ url: direct + route.path, connections: 10, seconds: 1 });
    }
    const vs = await paired(route.name, ctx.repeats, () => rate(service.url + route.path), () => rate(direct + route.path));
    rows.push(
      row({ name: route.name, value: vs.value, unit: 'req/s', baseline: route.fakeNote, baselineValue: vs.baseline, target: route.target }),
      row({ name: `${route.name} vs real ComfyUI`, value: vs.value, unit: 'req/s', baseline: COMFY, baselineValue: route.comfy, target: route.target }),
    );
  }
  return rows;
}
