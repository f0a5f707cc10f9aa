import type sharp from 'sharp';
import { loadSharp } from '../files/index.js';
import type { ExpandedAxis } from './cells.js';
import type { InputValue, SweepMode } from './types.js';

/** One cell as the sheet needs it: where it sits (cell order) and how to get its picture. */
export interface SheetCell {
  readonly coords: Readonly<Record<string, InputValue>>;
  readonly status: string;
  /** The image bytes, or null when the cell has none (yet): a placeholder naming its status is drawn. */
  readonly load: () => Promise<Buffer | null>;
}

export interface SheetLayout {
  readonly width: number;
  readonly height: number;
  readonly columns: number;
  readonly rows: number;
  readonly thumb: number;
  /** Width of the row headers on the left (0 when there is only one row and no row axis). */
  readonly rowHeaderWidth: number;
  readonly headerHeight: number;
  readonly columnLabels: readonly string[];
  readonly rowLabels: readonly string[];
}

export const SHEET_GAP = 4;
export const SHEET_HEADER_HEIGHT = 28;
const FONT_SIZE = 14;
const CHAR_WIDTH = 8;
const BACKGROUND = { r: 255, g: 255, b: 255 };
const LOAD_CONCURRENCY = 4;

const label = (input: string, value: InputValue): string => `${input}=${String(value)}`;

/**
 * Where everything goes, as SwarmUI lays out its grids: the last axis runs along the columns,
 * the others down the rows (one row per combination), each with its values as headers. A zip
 * sweep is one column, a row per cell.
 */
export function sheetLayout(axes: readonly ExpandedAxis[], mode: SweepMode, count: number, thumb: number): SheetLayout {
  let columnLabels: string[];
  let rowLabels: string[];
  if (mode === 'zip') {
    columnLabels = [''];
    rowLabels = Array.from({ length: count }, (_, i) => axes.map((a) => label(a.input, a.values[i] as InputValue)).join(', '));
  } else {
    const last = axes[axes.length - 1] as ExpandedAxis;
    columnLabels = last.values.map((v) => label(last.input, v));
    rowLabels = [''];
    for (const axis of axes.slice(0, -1)) {
      rowLabels = rowLabels.flatMap((prefix) => axis.values.map((v) => (prefix === '' ? '' : `${prefix}, `) + label(axis.input, v)));
    }
  }
  const longest = Math.max(0, ...rowLabels.map((l) => l.length));
  const rowHeaderWidth = longest === 0 ? 0 : Math.min(360, Math.max(64, 16 + CHAR_WIDTH * longest));
  const columns = columnLabels.length;
  const rows = rowLabels.length;
  return {
    width: rowHeaderWidth + columns * (thumb + SHEET_GAP) + SHEET_GAP,
    height: SHEET_HEADER_HEIGHT + rows * (thumb + SHEET_GAP) + SHEET_GAP,
    columns,
    rows,
    thumb,
    rowHeaderWidth,
    headerHeight: SHEET_HEADER_HEIGHT,
    columnLabels,
    rowLabels,
  };
}

/** The contact sheet as PNG bytes: thumbnails in cell order, headers and placeholders drawn by one SVG overlay. */
export async function renderSheet(layout: SheetLayout, cells: readonly SheetCell[]): Promise<Buffer> {
  const { thumb, columns } = layout;
  const at = (index: number) => ({
    left: layout.rowHeaderWidth + SHEET_GAP + (index % columns) * (thumb + SHEET_GAP),
    top: layout.headerHeight + SHEET_GAP + Math.floor(index / columns) * (thumb + SHEET_GAP),
  });
  const sharp = await loadSharp();
  const thumbs: sharp.OverlayOptions[] = [];
  const placeholders: { index: number; status: string }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cells.length) {
      const index = next++;
      const cell = cells[index] as SheetCell;
      const picture = await thumbnail(sharp, cell, thumb);
      if (picture === null) placeholders.push({ index, status: cell.status });
      else thumbs.push({ input: picture, raw: { width: thumb, height: thumb, channels: 3 }, ...at(index) });
    }
  };
  await Promise.all(Array.from({ length: LOAD_CONCURRENCY }, worker));
  const overlay = Buffer.from(overlaySvg(layout, placeholders.map((p) => ({ ...at(p.index), status: p.status }))));
  return sharp({ create: { width: layout.width, height: layout.height, channels: 3, background: BACKGROUND } })
    .composite([...thumbs, { input: overlay, left: 0, top: 0 }])
    .png({ compressionLevel: 6 })
    .toBuffer();
}

/** The cell's picture fitted into thumb×thumb (raw RGB), or null when it has none or it cannot be read. */
async function thumbnail(sharp: typeof import('sharp'), cell: SheetCell, thumb: number): Promise<Buffer | null> {
  const bytes = await cell.load();
  if (bytes === null) return null;
  try {
    return await sharp(bytes, { limitInputPixels: 16384 * 16384 })
      .resize(thumb, thumb, { fit: 'contain', background: BACKGROUND })
      .removeAlpha()
      .raw()
      .toBuffer();
  } catch {
    return null;
  }
}

function overlaySvg(layout: SheetLayout, placeholders: readonly { left: number; top: number; status: string }[]): string {
  const { thumb } = layout;
  const text = (x: number, y: number, value: string, anchor: 'start' | 'middle' = 'middle', fill = '#222') =>
    `<text x="${x}" y="${y}" text-anchor="${anchor}" font-family="sans-serif" font-size="${FONT_SIZE}" fill="${fill}">${escapeXml(value)}</text>`;
  const parts: string[] = [];
  layout.columnLabels.forEach((value, c) => {
    const x = layout.rowHeaderWidth + SHEET_GAP + c * (thumb + SHEET_GAP) + thumb / 2;
    parts.push(text(x, SHEET_HEADER_HEIGHT - 9, fit(value, thumb)));
  });
  layout.rowLabels.forEach((value, r) => {
    const y = layout.headerHeight + SHEET_GAP + r * (thumb + SHEET_GAP) + thumb / 2 + FONT_SIZE / 3;
    if (value !== '') parts.push(text(8, y, fit(value, layout.rowHeaderWidth - 8), 'start'));
  });
  for (const p of placeholders) {
    parts.push(`<rect x="${p.left}" y="${p.top}" width="${thumb}" height="${thumb}" fill="#e4e4e4" stroke="#bbb"/>`);
    parts.push(text(p.left + thumb / 2, p.top + thumb / 2 + FONT_SIZE / 3, p.status, 'middle', '#666'));
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}">${parts.join('')}</svg>`;
}

/** Cut a label to what fits in `width` pixels. */
function fit(value: string, width: number): string {
  const chars = Math.max(1, Math.floor(width / CHAR_WIDTH));
  return value.length <= chars ? value : `${value.slice(0, Math.max(1, chars - 1))}…`;
}

function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}
