/**
 * The image work ComfyUI does with Pillow, done with sharp: /view previews and channels, the mask
 * upload's alpha transplant, and reading a loaded image's size and mean color.
 */
import fs from 'node:fs';
import sharp from 'sharp';
import { encodePng, readPngText } from './png.js';

export type Rgb = readonly [number, number, number];

/** /view?preview=webp|jpeg;quality — JPEG (or channel=rgb) drops alpha first, as Pillow's convert("RGB"). */
export async function previewImage(file: string, format: 'webp' | 'jpeg', quality: number, dropAlpha: boolean): Promise<Buffer> {
  let image = sharp(file);
  if (dropAlpha) image = image.removeAlpha();
  return format === 'jpeg' ? image.jpeg({ quality }).toBuffer() : image.webp({ quality }).toBuffer();
}

/** /view?channel=rgb: the color channels as PNG. */
export async function rgbChannels(file: string): Promise<Buffer> {
  return sharp(file).removeAlpha().toColourspace('srgb').png().toBuffer();
}

/** /view?channel=a: an RGBA PNG, black, carrying the alpha channel (all opaque when there is none). */
export async function alphaChannel(file: string): Promise<Buffer> {
  const { data, info } = await sharp(file).ensureAlpha().extractChannel(3).raw().toBuffer({ resolveWithObject: true });
  const pixels = Buffer.alloc(info.width * info.height * 4);
  for (let i = 0; i < info.width * info.height; i++) pixels[i * 4 + 3] = data[i] ?? 255;
  return encodePng({ width: info.width, height: info.height, channels: 4, pixels });
}

/**
 * /upload/mask: the original image with the mask's alpha as its alpha, text chunks kept.
 * Throws (→ 500) when the sizes differ, as Pillow's putalpha does.
 */
export async function applyMaskAlpha(originalFile: string, mask: Buffer, target: string): Promise<void> {
  const originalBytes = fs.readFileSync(originalFile);
  const original = await sharp(originalBytes).ensureAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const alpha = await sharp(mask).ensureAlpha().extractChannel(3).raw().toBuffer({ resolveWithObject: true });
  if (alpha.info.width !== original.info.width || alpha.info.height !== original.info.height) {
    throw new Error('images do not match');
  }
  const pixels = Buffer.from(original.data);
  for (let i = 0; i < original.info.width * original.info.height; i++) pixels[i * 4 + 3] = alpha.data[i] ?? 255;
  const png = encodePng(
    { width: original.info.width, height: original.info.height, channels: 4, pixels },
    readPngText(originalBytes),
  );
  fs.writeFileSync(target, png);
}

export interface ImageFacts {
  readonly width: number;
  readonly height: number;
  readonly rgb: Rgb;
}

/** Size and mean color of an image file; throws on anything sharp cannot decode. */
export async function imageFacts(file: string): Promise<ImageFacts> {
  const image = sharp(file);
  const [meta, stats] = await Promise.all([image.metadata(), image.stats()]);
  const mean = (i: number): number => Math.round(stats.channels[i]?.mean ?? stats.channels[0]?.mean ?? 0);
  return { width: meta.width ?? 1, height: meta.height ?? 1, rgb: [mean(0), mean(1), mean(2)] };
}

/** A small JPEG, for sampler-style previews. */
export async function jpegOf(width: number, height: number, rgb: Rgb): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .jpeg({ quality: 80 })
    .toBuffer();
}
