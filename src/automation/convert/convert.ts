import { checkApiPrompt } from './api-format.js';
import { emitPrompt } from './emit.js';
import { expandWorkflow } from './expand.js';
import { detectWorkflowFormat } from './format.js';
import { parseWorkflow } from './graph.js';
import { buildNodeStates } from './nodes.js';
import { ConversionStopped, Problems } from './problems.js';
import { ChoiceNestingError } from './text.js';
import type { ConvertOptions, ConvertResult } from './types.js';

/**
 * UI workflow → API prompt, as the frontend's graphToPrompt does it (README of the shared
 * workflows, rules 1–22); an API prompt passes through after shape checks. Never throws for bad
 * input: every problem found is listed in the failure.
 */
export function convertWorkflow(workflow: unknown, objectInfo: Readonly<Record<string, unknown>>, options: ConvertOptions = {}): ConvertResult {
  const detected = detectWorkflowFormat(workflow);
  if (detected.format === 'invalid') return { ok: false, problems: [{ code: 'INVALID_SHAPE', message: detected.reason }] };
  const value = workflow as Record<string, unknown>;
  if (detected.format === 'api') return checkApiPrompt(value, objectInfo);
  const problems = new Problems();
  try {
    const parsed = parseWorkflow(value, problems);
    const states = buildNodeStates(parsed, objectInfo, problems);
    const executables = expandWorkflow(parsed, states, problems);
    if (!problems.empty) return { ok: false, problems: problems.result() };
    const prompt = emitPrompt({
      workflow: parsed,
      states,
      executables,
      problems,
      random: options.random ?? Math.random,
      now: options.now?.() ?? new Date(),
    });
    return problems.empty ? { ok: true, format: 'ui', prompt } : { ok: false, problems: problems.result() };
  } catch (error) {
    if (error instanceof ConversionStopped) return { ok: false, problems: error.problems.result() };
    if (error instanceof ChoiceNestingError) {
      problems.add('TOO_LARGE', error.message);
      return { ok: false, problems: problems.result() };
    }
    throw error;
  }
}
