import type Sharp from 'sharp';

/**
 * sharp (libvips, ~20 MB resident) is needed only by /view conversions and mask uploads:
 * load it on first use rather than at start-up.
 */
let loading: Promise<typeof Sharp> | undefined;
export const loadSharp = (): Promise<typeof Sharp> => (loading ??= import('sharp').then((module) => module.default));
import { badRequest, notAnImage } from '../errors.js';
import { readPngTextChunks, withPngChunks } from './png-text.js';
import { messageOf } from '../values.js';

// Mask and alpha work goes through raw pixels in memory (4 bytes each): 8192×8192 at most.
const RAW_PIXEL_LIMIT = 8192 * 8192;

/** What /view's `preview` and `channel` ask for, after ComfyUI's defaulting rules. */
export interface Conversion {
  readonly format: 'png' | 'webp' | 'jpeg';
  readonly quality: number;
  /** Drop alpha (jpeg previews, channel=rgb). */
  readonly rgb: boolean;
  /** The alpha channel as a black RGBA image (channel=a without preview). */
  readonly alphaOnly: boolean;
}

/**
 * ComfyUI's rules: a preview is webp or jpeg (anything else, or a channel containing `a`, is
 * webp) at quality = the last `;`-part when numeric, else 90; without a preview, channel=rgb
 * and channel=a give PNGs and everything else the file untouched (undefined).
 */
export function conversionFor(preview: string | undefined, channel: string | undefined): Conversion | undefined {
  if (preview !== undefined) {
    const parts = preview.split(';');
    const asked = parts[0];
    const format = (asked === 'webp' || asked === 'jpeg') && !(channel ?? '').includes('a') ? asked : 'webp';
    const last = parts[parts.length - 1] ?? '';
    const quality = /^\d+$/.test(last) ? Math.min(100, Math.max(1, Number(last))) : 90;
    return { format, quality, rgb: format === 'jpeg' || channel === 'rgb', alphaOnly: false };
  }
  if (channel === 'rgb') return { format: 'png', quality: 90, rgb: true, alphaOnly: false };
  if (channel === 'a') return { format: 'png', quality: 90, rgb: false, alphaOnly: true };
  return undefined;
}

/** Decode `file` and encode it as asked. The one place /view holds a whole image in memory. */
export async function convertImage(file: string, conversion: Conversion): Promise<Buffer> {
  const sharp = await loadSharp();
  try {
    if (conversion.alphaOnly) {
      const { alpha, width, height } = await alphaOf(file);
      const rgba = Buffer.alloc(width * height * 4);
      for (let i = 0; i < alpha.length; i++) rgba[i * 4 + 3] = alpha[i] ?? 255;
      return await sharp(rgba, { raw: { width, height, channels: 4 } }).png().toBuffer();
    }
    let image = sharp(file);
    if (conversion.rgb) image = image.removeAlpha();
    if (conversion.format === 'webp') return await image.webp({ quality: conversion.quality }).toBuffer();
    if (conversion.format === 'jpeg') return await image.jpeg({ quality: conversion.quality }).toBuffer();
    return await image.png().toBuffer();
  } catch (error) {
    throw notAnImage(messageOf(error));
  }
}

/**
 * ComfyUI's mask upload: the original as RGBA with its alpha replaced by the mask's alpha
 * (255 where the mask has none), saved as PNG keeping the original's text chunks.
 */
export async function applyMaskAlpha(originalFile: string, maskFile: string): Promise<Buffer> {
  const sharp = await loadSharp();
  let mask: Awaited<ReturnType<typeof alphaOf>>;
  let rgb: { data: Buffer; info: Sharp.OutputInfo };
  try {
    mask = await alphaOf(maskFile);
    rgb = await sharp(originalFile, { limitInputPixels: RAW_PIXEL_LIMIT })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw notAnImage(messageOf(error));
  }
  const { width, height, channels } = rgb.info;
  if (mask.width !== width || mask.height !== height) {
    throw badRequest('The mask and the original image differ in size', `mask ${mask.width}x${mask.height}, original ${width}x${height}`);
  }
  const rgba = Buffer.alloc(width * height * 4);
  for (let pixel = 0; pixel < width * height; pixel++) {
    for (let c = 0; c < 3; c++) rgba[pixel * 4 + c] = rgb.data[pixel * channels + Math.min(c, channels - 1)] ?? 0;
    rgba[pixel * 4 + 3] = mask.alpha[pixel] ?? 255;
  }
  const png = await sharp(rgba, { raw: { width, height, channels: 4 } }).png({ compressionLevel: 4 }).toBuffer();
  return withPngChunks(png, await readPngTextChunks(originalFile));
}

/** One byte of alpha per pixel; 255 everywhere for an image without alpha. */
async function alphaOf(file: string): Promise<{ alpha: Buffer; width: number; height: number }> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(file, { limitInputPixels: RAW_PIXEL_LIMIT }).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  const alpha = Buffer.alloc(width * height, 255);
  if (channels === 2 || channels === 4) {
    for (let pixel = 0; pixel < alpha.length; pixel++) alpha[pixel] = data[pixel * channels + channels - 1] ?? 255;
  }
  return { alpha, width, height };
}
