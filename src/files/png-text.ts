import fsp from 'node:fs/promises';

/**
 * PNG text chunks (tEXt, zTXt, iTXt) carry ComfyUI's embedded `prompt` and `workflow`. ComfyUI
 * keeps them when it applies a mask to an image; sharp drops them, so they are copied over
 * verbatim (each chunk holds its own CRC, so no re-encoding is needed).
 */

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const TEXT_CHUNKS = new Set(['tEXt', 'zTXt', 'iTXt']);
// Text chunks are small; a larger "text" chunk is not something we carry along.
const MAX_TEXT_CHUNK = 16 * 1024 * 1024;

/** The text chunks of a PNG file, read by walking chunk headers (pixel data is skipped, not read). */
export async function readPngTextChunks(file: string): Promise<Buffer[]> {
  const handle = await fsp.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(8);
    if ((await handle.read(head, 0, 8, 0)).bytesRead < 8 || !head.equals(SIGNATURE)) return [];
    const chunks: Buffer[] = [];
    let offset = 8;
    while (offset + 12 <= size) {
      await handle.read(head, 0, 8, offset);
      const length = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      const end = offset + 12 + length;
      if (end > size || type === 'IEND') break;
      if (TEXT_CHUNKS.has(type) && length <= MAX_TEXT_CHUNK) {
        const chunk = Buffer.alloc(12 + length);
        await handle.read(chunk, 0, chunk.length, offset);
        chunks.push(chunk);
      }
      offset = end;
    }
    return chunks;
  } finally {
    await handle.close();
  }
}

/**
 * The text chunks of a PNG held in memory, whole (length, type, data, CRC), as readPngTextChunks
 * returns them; null when the bytes are not a PNG. Chunks running past the end stop the walk.
 */
export function pngTextChunksOf(png: Buffer): Buffer[] | null {
  if (png.length < 8 || !png.subarray(0, 8).equals(SIGNATURE)) return null;
  const chunks: Buffer[] = [];
  let offset = 8;
  while (offset + 12 <= png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const end = offset + 12 + length;
    if (end > png.length || type === 'IEND') break;
    if (TEXT_CHUNKS.has(type) && length <= MAX_TEXT_CHUNK) chunks.push(png.subarray(offset, end));
    offset = end;
  }
  return chunks;
}

/** A PNG with the given chunks inserted right after IHDR, where PIL writes them. */
export function withPngChunks(png: Buffer, chunks: readonly Buffer[]): Buffer {
  if (chunks.length === 0 || png.length < 33 || !png.subarray(0, 8).equals(SIGNATURE)) return png;
  const afterHeader = 8 + 12 + png.readUInt32BE(8);
  return Buffer.concat([png.subarray(0, afterHeader), ...chunks, png.subarray(afterHeader)]);
}
