/**
 * Shared material for the automation tests: the frontend's default workflow in API format (as
 * the real frontend converted it) and the recorded /object_info a fake ComfyUI serves.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHARED_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared');

/** The checkpoint the default workflow loads. */
export const DEFAULT_CHECKPOINT = 'v1-5-pruned-emaonly-fp16.safetensors';

/** The frontend's default txt2img graph as the frontend's graphToPrompt wrote it (shared/workflows). */
export function defaultWorkflowPrompt(): Record<string, { class_type: string; inputs: Record<string, unknown>; _meta?: unknown }> {
  const file = path.join(SHARED_DIR, 'workflows/ui-to-api/01-default-workflow.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { expected_prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }> }).expected_prompt;
}

/** The frontend's default UI-format workflow. */
export function defaultWorkflowUi(): Record<string, unknown> {
  const file = path.join(SHARED_DIR, 'workflows/ui-to-api/01-default-workflow.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { workflow: Record<string, unknown> }).workflow;
}
