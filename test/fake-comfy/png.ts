/**
 * Minimal PNG writing and text-chunk reading. SaveImage output must carry the prompt in tEXt
 * chunks like ComfyUI's (clients read workflows back from them), which sharp cannot write.
 */
import zlib from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0);
  return Buffer.concat([head, data, crc]);
}

export interface RawImage {
  readonly width: number;
  readonly height: number;
  /** 3 (RGB) or 4 (RGBA) */
  readonly channels: 3 | 4;
  /** width × height × channels bytes, row by row. */
  readonly pixels: Buffer;
}

/** A PNG of `image` with `text` as tEXt chunks (keyword → value, Latin-1). */
export function encodePng(image: RawImage, text: Readonly<Record<string, string>> = {}, level = 4): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(image.width, 0);
  ihdr.writeUInt32BE(image.height, 4);
  ihdr[8] = 8;
  ihdr[9] = image.channels === 4 ? 6 : 2;
  const stride = image.width * image.channels;
  const scanlines = Buffer.alloc((stride + 1) * image.height);
  for (let y = 0; y < image.height; y++) image.pixels.copy(scanlines, y * (stride + 1) + 1, y * stride, (y + 1) * stride);
  const texts = Object.entries(text).map(([key, value]) =>
    chunk('tEXt', Buffer.concat([Buffer.from(key, 'latin1'), Buffer.from([0]), Buffer.from(value, 'latin1')])),
  );
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    ...texts,
    chunk('IDAT', zlib.deflateSync(scanlines, { level })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A width × height image filled with one RGB color. */
export function solidImage(width: number, height: number, rgb: readonly [number, number, number]): RawImage {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i += 3) {
    pixels[i] = rgb[0];
    pixels[i + 1] = rgb[1];
    pixels[i + 2] = rgb[2];
  }
  return { width, height, channels: 3, pixels };
}

/** The tEXt chunks of a PNG (empty for anything that is not a PNG). */
export function readPngText(png: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  if (png.length < 8 || !png.subarray(0, 8).equals(SIGNATURE)) return out;
  let offset = 8;
  while (offset + 8 <= png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'tEXt') {
      const zero = data.indexOf(0);
      if (zero > 0) out[data.toString('latin1', 0, zero)] = data.toString('latin1', zero + 1);
    }
    if (type === 'IEND') break;
    offset += 12 + length;
  }
  return out;
}

/** Insert tEXt chunks right after IHDR of an existing PNG. */
export function withPngText(png: Buffer, text: Readonly<Record<string, string>>): Buffer {
  const entries = Object.entries(text);
  if (entries.length === 0 || !png.subarray(0, 8).equals(SIGNATURE)) return png;
  const ihdrEnd = 8 + 12 + png.readUInt32BE(8);
  const texts = entries.map(([key, value]) =>
    chunk('tEXt', Buffer.concat([Buffer.from(key, 'latin1'), Buffer.from([0]), Buffer.from(value, 'latin1')])),
  );
  return Buffer.concat([png.subarray(0, ihdrEnd), ...texts, png.subarray(ihdrEnd)]);
}
