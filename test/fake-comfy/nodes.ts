/**
 * Simulated node classes. The recorded ones behave like ComfyUI's (sizes, colors, files, text
 * frames, the ImageBlur padding error); any other valid class returns placeholder outputs of its
 * declared types, takes `unknownNodeDelayMs`, and reports progress if it has a `steps` input.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { pyStr, stringifyPython } from '../../src/upstream/protocol/index.js';
import { annotatedPath } from './files.js';
import { imageFacts, jpegOf } from './images.js';
import { isImageValue, NodeRuntimeError, type ImageValue, type NodeResult, type NodeRun } from './node-values.js';
import { previewImage, saveImage, saveImageWebsocket } from './nodes-save.js';

type Simulation = (run: NodeRun) => NodeResult | Promise<NodeResult>;

const num = (value: unknown, fallback: number): number => {
  const n = typeof value === 'object' && value !== null && 'value' in value ? Number(value.value) : Number(value);
  return Number.isFinite(n) ? n : fallback;
};

const image = (run: NodeRun, name = 'image'): ImageValue => {
  const value = run.inputs[name];
  return isImageValue(value) ? value : { kind: 'IMAGE', width: 512, height: 512, batch: 1, rgb: [0, 0, 0] };
};

// The traceback a real ImageBlur printed for this failure (recorded); clients display it.
const BLUR_TRACEBACK = [
  '  File "/opt/ComfyUI/execution.py", line 518, in execute\n    output_data, output_ui, has_subgraph, has_pending_tasks = await get_output_data(prompt_id, unique_id, obj, input_data_all, execution_block_cb=execution_block_cb, pre_execute_cb=pre_execute_cb, v3_data=v3_data)\n',
  '  File "/opt/ComfyUI/execution.py", line 329, in get_output_data\n    return_values = await _async_map_node_over_list(prompt_id, unique_id, obj, input_data_all, obj.FUNCTION, allow_interrupt=True, execution_block_cb=execution_block_cb, pre_execute_cb=pre_execute_cb, v3_data=v3_data)\n',
  '  File "/opt/ComfyUI/comfy_extras/nodes_post_processing.py", line 102, in execute\n    padded_image = F.pad(image, (blur_radius,blur_radius,blur_radius,blur_radius), \'reflect\')\n',
];

const SIMULATIONS: Readonly<Record<string, Simulation>> = {
  EmptyImage: (run) => {
    const color = num(run.inputs['color'], 0);
    const rgb = [(color >> 16) & 255, (color >> 8) & 255, color & 255] as const;
    const [width, height, batch] = [num(run.inputs['width'], 512), num(run.inputs['height'], 512), num(run.inputs['batch_size'], 1)];
    return { outputs: [{ kind: 'IMAGE', width, height, batch, rgb }] };
  },
  ImageInvert: (run) => {
    const img = image(run);
    return { outputs: [{ ...img, rgb: img.rgb.map((c) => 255 - c) }] };
  },
  ImageBlur: (run) => {
    const img = image(run);
    const radius = num(run.inputs['blur_radius'], 1);
    // reflect padding must be smaller than the padded dimension (width is checked first).
    if (radius >= img.width || radius >= img.height) {
      const dim = radius >= img.width ? 3 : 2;
      throw new NodeRuntimeError(
        'RuntimeError',
        `Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (${radius}, ${radius}) at dimension ${dim} of input 4`,
        BLUR_TRACEBACK,
      );
    }
    return { outputs: [img] };
  },
  ImageScale: (run) => {
    const img = image(run);
    let width = num(run.inputs['width'], 0);
    let height = num(run.inputs['height'], 0);
    if (width === 0 && height === 0) [width, height] = [img.width, img.height];
    else if (width === 0) width = Math.max(1, Math.round((img.width * height) / img.height));
    else if (height === 0) height = Math.max(1, Math.round((img.height * width) / img.width));
    return { outputs: [{ ...img, width, height }] };
  },
  GetImageSize: (run) => {
    const img = image(run);
    run.text(`width: ${img.width}, height: ${img.height}\n batch size: ${img.batch}`);
    return { outputs: [img.width, img.height, img.batch] };
  },
  PreviewAny: (run) => {
    const source = run.inputs['source'];
    const shown =
      source === undefined || source === null
        ? 'None'
        : typeof source === 'string'
          ? source
          : typeof source === 'object' && !isImageValue(source) && !('value' in source)
            ? stringifyPython(source)
            : isImageValue(source)
              ? `<${source.kind} ${source.batch}x${source.height}x${source.width}>`
              : pyStr(source);
    return { outputs: [], ui: { text: [shown] } };
  },
  LoadImage: (run) => loadImage(run, 'IMAGE'),
  LoadImageMask: (run) => loadImage(run, 'MASK'),
  SaveImage: saveImage,
  PreviewImage: previewImage,
  SaveImageWebsocket: saveImageWebsocket,
};

async function loadImage(run: NodeRun, kind: 'IMAGE' | 'MASK'): Promise<NodeResult> {
  const file = annotatedPath(run.dirs, String(run.inputs['image'] ?? ''));
  let facts;
  try {
    facts = await imageFacts(file);
  } catch {
    throw new NodeRuntimeError('PIL.UnidentifiedImageError', `cannot identify image file '${file}'`, []);
  }
  const img: ImageValue = { kind: 'IMAGE', width: facts.width, height: facts.height, batch: 1, rgb: facts.rgb };
  const mask: ImageValue = { ...img, kind: 'MASK' };
  return { outputs: kind === 'IMAGE' ? [img, mask] : [mask] };
}

/** LoadImage's IS_CHANGED: the file's sha256, so a re-upload under the same name re-runs it. */
export function isChangedValue(run: { classType: string; inputs: Readonly<Record<string, unknown>>; dirs: NodeRun['dirs'] }): unknown {
  if (run.classType !== 'LoadImage' && run.classType !== 'LoadImageMask') return undefined;
  try {
    return createHash('sha256').update(fs.readFileSync(annotatedPath(run.dirs, String(run.inputs['image'])))).digest('hex');
  } catch {
    return null;
  }
}

/** Whether the fake knows this class's behavior (others get placeholders and a delay). */
export const isSimulated = (classType: string): boolean => Object.hasOwn(SIMULATIONS, classType);

export async function simulate(run: NodeRun): Promise<NodeResult> {
  const known = Object.hasOwn(SIMULATIONS, run.classType) ? SIMULATIONS[run.classType] : undefined;
  const steps = run.steps ?? (known ? undefined : stepsInput(run));
  if (steps !== undefined && steps > 0 && run.classType !== 'SaveImageWebsocket') {
    const preview = run.previews ? { format: 'JPEG' as const, image: await jpegOf(64, 64, [128, 128, 128]) } : undefined;
    for (let step = 1; step <= steps; step++) {
      await run.sleep(run.delayMs / steps);
      run.progress(step, steps, preview);
    }
  } else if (run.classType !== 'SaveImageWebsocket') {
    await run.sleep(run.delayMs);
  }
  const result = known ? await known(run) : placeholders(run);
  return run.info['has_intermediate_output'] === true && result.ui === undefined ? withIntermediatePreview(run, result) : result;
}

/**
 * 0.33's intermediate-output nodes (ImageCropV2…) are not output nodes, yet show what they made:
 * a temp preview of their image output, sent as `executed` like PreviewImage's.
 */
function withIntermediatePreview(run: NodeRun, result: NodeResult): NodeResult {
  const image = result.outputs.find(isImageValue);
  if (image === undefined || image.kind !== 'IMAGE') return result;
  const preview = previewImage({ ...run, inputs: { ...run.inputs, images: image } });
  return preview.ui ? { ...result, ui: { ...preview.ui, animated: [false] } } : result;
}

function stepsInput(run: NodeRun): number | undefined {
  const steps = run.inputs['steps'];
  return typeof steps === 'number' && Number.isInteger(steps) ? Math.min(steps, 10_000) : undefined;
}

/** Outputs of each declared type: images pass through (or come from a latent), scalars are zero. */
function placeholders(run: NodeRun): NodeResult {
  const upstream = Object.values(run.inputs).find(isImageValue);
  const outputs = run.info.output.map((type) => {
    if (type === 'IMAGE' || type === 'MASK' || type === 'LATENT') {
      const base = upstream ?? { width: num(run.inputs['width'], 512), height: num(run.inputs['height'], 512), batch: num(run.inputs['batch_size'], 1), rgb: [128, 128, 128] as const };
      return { ...base, kind: type };
    }
    if (type === 'INT' || type === 'FLOAT') return 0;
    if (type === 'STRING') return '';
    if (type === 'BOOLEAN') return false;
    return { kind: typeof type === 'string' ? type : 'COMBO' };
  });
  return { outputs };
}
