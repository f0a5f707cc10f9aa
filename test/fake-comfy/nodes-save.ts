/**
 * The nodes that leave something behind: SaveImage and PreviewImage write real PNGs (with the
 * prompt in tEXt chunks, as ComfyUI does) that /view then serves; SaveImageWebsocket streams
 * each image as a preview frame with a progress step.
 */
import fs from 'node:fs';
import path from 'node:path';
import { stringifyPython } from '../../src/upstream/protocol/index.js';
import { saveTarget } from './files.js';
import { isImageValue, NodeRuntimeError, type ImageValue, type NodeResult, type NodeRun } from './node-values.js';
import { encodePng, solidImage } from './png.js';

const SAVE_TRACEBACK = [
  '  File "/opt/ComfyUI/execution.py", line 518, in execute\n    output_data, output_ui, has_subgraph, has_pending_tasks = await get_output_data(prompt_id, unique_id, obj, input_data_all, execution_block_cb=execution_block_cb, pre_execute_cb=pre_execute_cb, v3_data=v3_data)\n',
  '  File "/opt/ComfyUI/nodes.py", line 1640, in save_images\n    full_output_folder, filename, counter, subfolder, filename_prefix = folder_paths.get_save_image_path(filename_prefix, self.output_dir, images[0].shape[1], images[0].shape[0])\n',
];

function imagesInput(run: NodeRun): ImageValue {
  const images = run.inputs['images'];
  return isImageValue(images) ? images : { kind: 'IMAGE', width: 512, height: 512, batch: 1, rgb: [0, 0, 0] };
}

/** The tEXt chunks SaveImage/PreviewImage embed: the prompt and each extra_pnginfo entry. */
function pngText(run: NodeRun): Record<string, string> {
  const text: Record<string, string> = { prompt: stringifyPython(run.prompt) };
  const info = run.extraData['extra_pnginfo'];
  if (info !== null && typeof info === 'object' && !Array.isArray(info)) {
    for (const [key, value] of Object.entries(info)) text[key] = stringifyPython(value);
  }
  return text;
}

function writeImages(run: NodeRun, baseDir: string, prefix: string, type: string, level: number): NodeResult {
  const images = imagesInput(run);
  let target;
  try {
    target = saveTarget(baseDir, prefix, images.width, images.height);
  } catch (error) {
    throw new NodeRuntimeError('Exception', (error as Error).message, SAVE_TRACEBACK);
  }
  const png = encodePng(solidImage(images.width, images.height, images.rgb), pngText(run), level);
  const results = [];
  for (let batch = 0; batch < images.batch; batch++) {
    const filename = `${target.filename.replaceAll('%batch_num%', String(batch))}_${String(target.counter).padStart(5, '0')}_.png`;
    fs.writeFileSync(path.join(target.folder, filename), png);
    results.push({ filename, subfolder: target.subfolder, type });
    target.counter++;
  }
  return { outputs: [], ui: { images: results } };
}

export function saveImage(run: NodeRun): NodeResult {
  const prefix = run.inputs['filename_prefix'];
  return writeImages(run, run.dirs.output, typeof prefix === 'string' ? prefix : 'ComfyUI', 'output', 4);
}

const PREVIEW_LETTERS = 'abcdefghijklmnopqrstupvxyz'; // sic: ComfyUI's alphabet

export function previewImage(run: NodeRun): NodeResult {
  // Each PreviewImage object picks its random suffix once; ComfyUI keeps the object across prompts.
  const suffix = (run.objectState['prefixAppend'] ??= `_temp_${Array.from(
    { length: 5 },
    () => PREVIEW_LETTERS[Math.floor(Math.random() * PREVIEW_LETTERS.length)],
  ).join('')}`) as string;
  return writeImages(run, run.dirs.temp, `ComfyUI${suffix}`, 'temp', 1);
}

/** custom_nodes/websocket_image_save.py: one progress step (with a PNG preview) per image. */
export async function saveImageWebsocket(run: NodeRun): Promise<NodeResult> {
  const images = imagesInput(run);
  const png = encodePng(solidImage(images.width, images.height, images.rgb), {}, 1);
  for (let step = 0; step < images.batch; step++) {
    if (run.delayMs > 0) await run.sleep(run.delayMs / images.batch);
    run.progress(step, images.batch, { format: 'PNG', image: png });
  }
  return { outputs: [] };
}
