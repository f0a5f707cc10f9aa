import fs from 'node:fs';
import { createBLAKE3 } from 'hash-wasm';

/**
 * `blake3:<hex>` of a file, streamed. Comfy API v2 names content by BLAKE3 (its SDKs hash
 * locally with it to probe for dedupe), which node:crypto does not offer; hash-wasm runs it
 * without a native addon. The file store's own sha256 fingerprints are unrelated and unchanged.
 */
export async function blake3File(file: string): Promise<string> {
  const hasher = await createBLAKE3();
  hasher.init();
  for await (const chunk of fs.createReadStream(file)) hasher.update(chunk as Buffer);
  return `blake3:${hasher.digest('hex')}`;
}

/** The shape of a content hash the v2 contract accepts: `blake3:` and 64 lowercase hex digits. */
export const BLAKE3_HASH = /^blake3:[0-9a-f]{64}$/;
