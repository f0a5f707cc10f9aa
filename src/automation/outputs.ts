import type { OutputKind, RunOutput } from './types.js';
import { isRecord } from '../values.js';

const VIDEO = /\.(mp4|webm|mov|mkv|avi|m4v)$/i;
const AUDIO = /\.(mp3|wav|flac|ogg|opus|m4a|aac)$/i;
const IMAGE = /\.(png|jpe?g|webp|gif|bmp|tiff?|avif)$/i;

/** What a history entry's file list holds, by its key (ComfyUI's UI keys) and then by extension. */
function kindOf(key: string, filename: string): OutputKind {
  if (VIDEO.test(filename)) return 'video';
  if (AUDIO.test(filename) || key === 'audio') return 'audio';
  if (key === 'gifs' || key === 'video' || key === 'videos') return 'video';
  if (key === 'images' || IMAGE.test(filename)) return 'image';
  return 'file';
}

/** `/view` for a file of ours, as the frontend builds it. */
export function viewUrl(filename: string, subfolder: string, type: string): string {
  return `/view?${new URLSearchParams({ filename, subfolder, type }).toString()}`;
}

/**
 * A history entry's `outputs` ({node: {images: [{filename, subfolder, type}], text: [...]}}) as
 * a flat typed list, nodes in the order given (the app's outputs first), file lists in key order.
 */
export function typedOutputs(outputs: unknown, order: readonly string[] = []): RunOutput[] {
  if (!isRecord(outputs)) return [];
  const nodes = [...order.filter((id) => Object.hasOwn(outputs, id)), ...Object.keys(outputs).filter((id) => !order.includes(id))];
  const list: RunOutput[] = [];
  for (const node of nodes) {
    const ui = outputs[node];
    if (!isRecord(ui)) continue;
    for (const [key, items] of Object.entries(ui)) {
      if (!Array.isArray(items)) continue;
      for (const item of items) {
        if (key === 'text' && typeof item === 'string') {
          list.push({ node, kind: 'text', filename: null, subfolder: null, type: null, url: null, text: item });
        } else if (isRecord(item) && typeof item.filename === 'string') {
          const subfolder = typeof item.subfolder === 'string' ? item.subfolder : '';
          const type = typeof item.type === 'string' ? item.type : 'output';
          list.push({ node, kind: kindOf(key, item.filename), filename: item.filename, subfolder, type, url: viewUrl(item.filename, subfolder, type) });
        }
      }
    }
  }
  return list;
}
