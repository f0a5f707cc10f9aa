import type { PromptGraph } from './prompt-types.js';

/**
 * What the gallery's text filter searches in a prompt: the value of every input of every node
 * that is a string or a number (links between nodes left out), lowercased, one per line. Stored
 * beside the prompt at insert, so a search reads this short text instead of the whole graph;
 * every store computes it with this function so the same search finds the same prompts.
 */
export function promptSearchText(prompt: PromptGraph): string {
  const values: string[] = [];
  for (const node of Object.values(prompt)) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) continue;
    const inputs = (node as { inputs?: unknown }).inputs;
    if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) continue;
    for (const value of Object.values(inputs)) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') values.push(String(value));
    }
  }
  return values.join('\n').toLowerCase();
}
