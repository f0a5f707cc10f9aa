import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseExactJson } from '../../../src/json.js';

const SHARED = process.env['AUTOMA_SHARED_DIR'] ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared');

export const WORKFLOWS_DIR = path.join(SHARED, 'workflows/ui-to-api');

/**
 * The recorded /object_info of ComfyUI 0.8.0 (what the fake serves), with the classes only the
 * 0.33.0 recording has added after it, parsed as the gateway parses a backend's answer.
 */
export function loadObjectInfo(): Record<string, unknown> {
  const read = (file: string) => {
    const recording = parseExactJson(fs.readFileSync(path.join(SHARED, 'comfyui-recordings', file), 'utf8')) as {
      exchanges: { response: { body: Record<string, unknown> } }[];
    };
    const body = recording.exchanges[0]?.response.body;
    if (!body) throw new Error(`no /object_info body in ${file}`);
    return body;
  };
  return { ...read('0.33.0/object_info_full.json'), ...read('object_info_full.json') };
}

export interface WorkflowPair {
  readonly file: string;
  readonly workflow: Record<string, unknown>;
  readonly expected: Record<string, unknown>;
}

/** Every shared UI→API pair (workflow → what the real frontend produced). */
export function loadPairs(): WorkflowPair[] {
  return fs
    .readdirSync(WORKFLOWS_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((file) => {
      const parsed = parseExactJson(fs.readFileSync(path.join(WORKFLOWS_DIR, file), 'utf8')) as { workflow: Record<string, unknown>; expected_prompt: Record<string, unknown> };
      return { file, workflow: parsed.workflow, expected: parsed.expected_prompt };
    });
}

/** A pair's workflow by file name prefix, e.g. "01". */
export function pairWorkflow(prefix: string): Record<string, unknown> {
  const pair = loadPairs().find((p) => p.file.startsWith(prefix));
  if (!pair) throw new Error(`no pair ${prefix}`);
  return structuredClone(pair.workflow);
}

/** Pair 19 with ImageBlur.blur_radius promoted through a subgraph input, the instance saying 7. */
export function promotedBlur(): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const workflow = pairWorkflow('19') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const definition = workflow.definitions.subgraphs[0];
  definition.inputs.push({ id: 'r', name: 'blur_radius', type: 'INT', linkIds: [10] });
  definition.links.push({ id: 10, origin_id: -10, origin_slot: 1, target_id: 3, target_slot: 1, type: 'INT' });
  definition.nodes.find((n: { id: number }) => n.id === 3).inputs[1].link = 10;
  const instance = workflow.nodes.find((n: { id: number }) => n.id === 5);
  instance.inputs.push({ name: 'blur_radius', type: 'INT', widget: { name: 'blur_radius' }, link: null, label: 'Radius' });
  instance.widgets_values = [7];
  instance.properties.proxyWidgets = [['-1', 'blur_radius']];
  return workflow;
}
