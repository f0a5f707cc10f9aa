/** Reading a job's outputs: which files it made, and which of them are pictures. */
import type { JobSummary, OutputFile } from '@contract';

export interface JobOutputFile extends OutputFile {
  readonly node: string;
  /** The output list it came from: `images`, `gifs`, `audio`, `video`, … */
  readonly kind: string;
}

const IMAGE_RE = /\.(png|jpe?g|webp|gif|bmp|avif)$/i;

export function isImageFile(filename: string): boolean {
  return IMAGE_RE.test(filename);
}

function isOutputFile(value: unknown): value is OutputFile {
  if (typeof value !== 'object' || value === null) return false;
  const f = value as Record<string, unknown>;
  return typeof f.filename === 'string' && typeof (f.subfolder ?? '') === 'string' && typeof (f.type ?? 'output') === 'string';
}

/** Every file of a history entry's `outputs`, node by node in id order. Text and numbers are skipped. */
export function outputFiles(outputs: Readonly<Record<string, Readonly<Record<string, unknown>>>> | undefined): JobOutputFile[] {
  if (outputs === undefined) return [];
  const files: JobOutputFile[] = [];
  const nodes = Object.keys(outputs).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  for (const node of nodes) {
    for (const [kind, values] of Object.entries(outputs[node] ?? {})) {
      if (!Array.isArray(values)) continue;
      for (const value of values) {
        if (!isOutputFile(value)) continue;
        files.push({ node, kind, filename: value.filename, subfolder: value.subfolder ?? '', type: value.type ?? 'output' });
      }
    }
  }
  return files;
}

/** The picture a gallery tile shows for a job, when its first output is one. */
export function thumbnailOf(job: JobSummary): OutputFile | null {
  const preview = job.preview_output;
  if (preview === undefined || !isOutputFile(preview)) return null;
  if (!isImageFile(preview.filename)) return null;
  return { filename: preview.filename, subfolder: preview.subfolder ?? '', type: preview.type ?? 'output' };
}

/** Scalar inputs of each node of an API prompt (links to other nodes left out), for the detail view. */
export function promptParameters(prompt: Readonly<Record<string, unknown>>): { node: string; classType: string; inputs: [string, string][] }[] {
  const rows: { node: string; classType: string; inputs: [string, string][] }[] = [];
  const ids = Object.keys(prompt).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  for (const id of ids) {
    const node = prompt[id] as { class_type?: unknown; inputs?: unknown } | undefined;
    if (typeof node !== 'object' || node === null) continue;
    const inputs: [string, string][] = [];
    for (const [name, value] of Object.entries((node.inputs ?? {}) as Record<string, unknown>)) {
      const isLink = Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'number';
      if (isLink) continue;
      inputs.push([name, typeof value === 'string' ? value : JSON.stringify(value)]);
    }
    rows.push({ node: id, classType: typeof node.class_type === 'string' ? node.class_type : '?', inputs });
  }
  return rows;
}
