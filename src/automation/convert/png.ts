import zlib from 'node:zlib';
import { pngTextChunksOf } from '../../files/png-text.js';
import { parseExactJson } from '../../json.js';

/**
 * The `workflow` (UI format) and `prompt` (API format) ComfyUI's SaveImage embeds in a PNG.
 * PIL writes them as tEXt; iTXt (UTF-8, maybe compressed) and zTXt are read too, since other
 * tools re-save images that way.
 */

export type PngWorkflow =
  | { readonly ok: true; readonly workflow: unknown; readonly prompt: unknown }
  | { readonly ok: false; readonly reason: string };

// A text chunk inflating past this is not metadata.
const MAX_INFLATED = 64 * 1024 * 1024;

export function readPngWorkflow(png: Buffer): PngWorkflow {
  const chunks = pngTextChunksOf(png);
  if (chunks === null) return { ok: false, reason: 'the file is not a PNG' };
  const texts = new Map<string, string>();
  for (const chunk of chunks) {
    const decoded = decodeTextChunk(chunk);
    if (decoded && !texts.has(decoded.keyword)) texts.set(decoded.keyword, decoded.text);
  }
  const workflowText = texts.get('workflow');
  const promptText = texts.get('prompt');
  if (workflowText === undefined && promptText === undefined) {
    return { ok: false, reason: 'the PNG carries no ComfyUI workflow (no "workflow" or "prompt" text chunk)' };
  }
  const workflow = workflowText === undefined ? undefined : parse(workflowText);
  const prompt = promptText === undefined ? undefined : parse(promptText);
  const usable = (value: unknown) => value !== undefined && value !== INVALID;
  if (!usable(workflow) && !usable(prompt)) {
    const bad = [workflowText === undefined ? '' : '"workflow"', promptText === undefined ? '' : '"prompt"'].filter(Boolean).join(' and ');
    return { ok: false, reason: `the PNG's ${bad} text ${bad.includes(' and ') ? 'chunks are' : 'chunk is'} not valid JSON` };
  }
  return { ok: true, workflow: workflow === INVALID ? undefined : workflow, prompt: prompt === INVALID ? undefined : prompt };
}

const INVALID = Symbol('invalid');

function parse(text: string): unknown {
  try {
    return parseExactJson(text);
  } catch {
    return INVALID;
  }
}

function decodeTextChunk(chunk: Buffer): { keyword: string; text: string } | undefined {
  const type = chunk.toString('latin1', 4, 8);
  const data = chunk.subarray(8, chunk.length - 4);
  const zero = data.indexOf(0);
  if (zero <= 0) return undefined;
  const keyword = data.toString('latin1', 0, zero);
  try {
    if (type === 'tEXt') return { keyword, text: data.toString('latin1', zero + 1) };
    if (type === 'zTXt') return { keyword, text: inflate(data.subarray(zero + 2)).toString('latin1') };
    if (type === 'iTXt') {
      // keyword \0 compressed-flag method language \0 translated-keyword \0 text
      const compressed = data[zero + 1] === 1;
      const languageEnd = data.indexOf(0, zero + 3);
      const translatedEnd = languageEnd === -1 ? -1 : data.indexOf(0, languageEnd + 1);
      if (translatedEnd === -1) return undefined;
      const body = data.subarray(translatedEnd + 1);
      return { keyword, text: (compressed ? inflate(body) : body).toString('utf8') };
    }
  } catch {
    // A corrupt compressed chunk carries nothing we can read.
  }
  return undefined;
}

function inflate(data: Buffer): Buffer {
  return zlib.inflateSync(data, { maxOutputLength: MAX_INFLATED });
}
