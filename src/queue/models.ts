import { isRecord } from '../values.js';

/** Extensions of the weight files ComfyUI loads from its models folders. */
export const MODEL_FILE = /\.(safetensors|sft|ckpt|pt|pt2|pth|bin|gguf|onnx)$/i;

/** The model files a prompt names in its inputs (checkpoints, LoRAs, VAEs…), sorted and unique. */
export function modelFiles(prompt: Readonly<Record<string, unknown>>): string[] {
  const found = new Set<string>();
  for (const node of Object.values(prompt)) {
    if (!isRecord(node) || !isRecord(node.inputs)) continue;
    for (const value of Object.values(node.inputs)) if (typeof value === 'string' && MODEL_FILE.test(value)) found.add(value);
  }
  return [...found].sort();
}
