/**
 * ComfyUI's binary WebSocket frames: a big-endian u32 event type, then a payload.
 *   1 PREVIEW_IMAGE                [u32 format: 1=JPEG 2=PNG][image bytes]
 *   3 TEXT                         [u32 len][node_id utf-8][text utf-8]
 *   4 PREVIEW_IMAGE_WITH_METADATA  [u32 len][metadata JSON][image bytes]
 * Type 4 goes only to clients that negotiated `supports_preview_metadata`; a gateway that
 * forwards to a client that did not must turn it into type 1 ({@link toLegacyPreview}).
 */
import { stringifyPython } from './python-json.js';

export const BinaryEventType = {
  PREVIEW_IMAGE: 1,
  /** Server-internal: a PIL image that the server encodes into a PREVIEW_IMAGE frame. */
  UNENCODED_PREVIEW_IMAGE: 2,
  TEXT: 3,
  PREVIEW_IMAGE_WITH_METADATA: 4,
} as const;

export const PreviewFormat = { JPEG: 1, PNG: 2 } as const;
export type PreviewFormatName = keyof typeof PreviewFormat;

export interface PreviewMetadata {
  readonly node_id: string;
  readonly prompt_id: string;
  readonly display_node_id: string;
  readonly parent_node_id: string | null;
  readonly real_node_id: string;
  /** MIME type of the image bytes, e.g. "image/png". */
  readonly image_type: string;
  readonly [more: string]: unknown;
}

export type BinaryFrame =
  | { readonly kind: 'preview_image'; readonly eventType: 1; readonly format: PreviewFormatName | 'unknown'; readonly formatCode: number; readonly image: Buffer }
  | { readonly kind: 'text'; readonly eventType: 3; readonly nodeId: string; readonly text: string }
  | { readonly kind: 'preview_image_with_metadata'; readonly eventType: 4; readonly metadata: PreviewMetadata; readonly image: Buffer }
  | { readonly kind: 'unknown'; readonly eventType: number; readonly payload: Buffer };

const u32 = (value: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
};

/** Type 1: [1][format][image]. */
export function encodePreviewImage(format: PreviewFormatName, image: Uint8Array): Buffer {
  return Buffer.concat([u32(BinaryEventType.PREVIEW_IMAGE), u32(PreviewFormat[format]), image]);
}

/** Type 3: [3][len][node_id][text], as PromptServer.send_progress_text builds it. */
export function encodeText(nodeId: string, text: string): Buffer {
  const id = Buffer.from(nodeId, 'utf8');
  return Buffer.concat([u32(BinaryEventType.TEXT), u32(id.length), id, Buffer.from(text, 'utf8')]);
}

/** Type 4: [4][len][metadata JSON, written like Python's json.dumps][image]. */
export function encodePreviewWithMetadata(metadata: PreviewMetadata, image: Uint8Array): Buffer {
  const json = Buffer.from(stringifyPython(metadata), 'utf8');
  return Buffer.concat([u32(BinaryEventType.PREVIEW_IMAGE_WITH_METADATA), u32(json.length), json, image]);
}

/** Decode a binary frame. Throws RangeError when the frame is shorter than its headers say. */
export function decodeBinaryFrame(frame: Uint8Array): BinaryFrame {
  const buf = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  if (buf.length < 4) throw new RangeError(`binary frame of ${buf.length} bytes has no event type`);
  const eventType = buf.readUInt32BE(0);
  const payload = buf.subarray(4);
  switch (eventType) {
    case BinaryEventType.PREVIEW_IMAGE: {
      const formatCode = readLength(payload, 0);
      const format = formatCode === 1 ? 'JPEG' : formatCode === 2 ? 'PNG' : 'unknown';
      return { kind: 'preview_image', eventType, format, formatCode, image: payload.subarray(4) };
    }
    case BinaryEventType.TEXT: {
      const length = readLength(payload, 0);
      checkRoom(payload, 4 + length);
      const nodeId = payload.subarray(4, 4 + length).toString('utf8');
      return { kind: 'text', eventType, nodeId, text: payload.subarray(4 + length).toString('utf8') };
    }
    case BinaryEventType.PREVIEW_IMAGE_WITH_METADATA: {
      const length = readLength(payload, 0);
      checkRoom(payload, 4 + length);
      const metadata = JSON.parse(payload.subarray(4, 4 + length).toString('utf8')) as PreviewMetadata;
      return { kind: 'preview_image_with_metadata', eventType, metadata, image: payload.subarray(4 + length) };
    }
    default:
      return { kind: 'unknown', eventType, payload };
  }
}

function readLength(payload: Buffer, offset: number): number {
  checkRoom(payload, offset + 4);
  return payload.readUInt32BE(offset);
}

function checkRoom(payload: Buffer, needed: number): void {
  if (payload.length < needed) throw new RangeError(`binary frame payload of ${payload.length} bytes, header needs ${needed}`);
}

/** MIME type of a preview → the type-1 format code ComfyUI uses (JPEG unless PNG). */
export function previewFormatOf(mimeType: string): PreviewFormatName {
  return mimeType.toLowerCase() === 'image/png' ? 'PNG' : 'JPEG';
}

/** Turn a type-4 frame into the type-1 frame a client without preview metadata expects. */
export function toLegacyPreview(frame: Uint8Array): Buffer {
  const decoded = decodeBinaryFrame(frame);
  if (decoded.kind !== 'preview_image_with_metadata') {
    throw new TypeError(`expected a PREVIEW_IMAGE_WITH_METADATA frame, got event type ${decoded.eventType}`);
  }
  return encodePreviewImage(previewFormatOf(decoded.metadata.image_type), decoded.image);
}
