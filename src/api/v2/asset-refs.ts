import { missingAsset } from '../../errors.js';
import type { AssetFile, AssetRecord } from '../../store/index.js';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `{"__type": "core/ASSET", ...}` where a node input would hold a file name. */
const isAssetReference = (value: unknown): value is Record<string, unknown> => isRecord(value) && value.__type === 'core/ASSET';

/**
 * The name ComfyUI's loaders read a file of ours by: `sub/name.png` in the input folder, with
 * ComfyUI's ` [output]`/` [temp]` annotation for the other folders. The queue uploads the file
 * it names to whichever backend runs the prompt, as it does for any file of ours.
 */
export function loaderName(file: AssetFile): string {
  const relative = [file.subfolder, file.name].filter((part) => part !== '').join('/');
  return file.type === 'input' ? relative : `${relative} [${file.type}]`;
}

/**
 * Replace each core/ASSET reference in a workflow's node inputs with the file name of the asset
 * it names (`info.id`, authoritative; `hash` and `file_path` are hints only). A malformed
 * reference or an unknown id is the contract's 422 missing_asset, naming node and input.
 */
export async function resolveAssetReferences(
  workflow: Readonly<Record<string, unknown>>,
  lookup: (id: string) => Promise<AssetRecord | undefined>,
): Promise<{ graph: Record<string, unknown>; assetIds: string[] }> {
  const graph: Record<string, unknown> = {};
  const assetIds = new Set<string>();
  for (const [nodeId, node] of Object.entries(workflow)) {
    if (!isRecord(node) || !isRecord(node.inputs)) {
      graph[nodeId] = node;
      continue;
    }
    const inputs: Record<string, unknown> = {};
    for (const [input, value] of Object.entries(node.inputs)) {
      if (!isAssetReference(value)) {
        inputs[input] = value;
        continue;
      }
      const info = value.info;
      if (!isRecord(info) || typeof info.id !== 'string' || info.id === '') throw missingAsset(nodeId, input, 'a core/ASSET reference needs info.id');
      const asset = await lookup(info.id);
      if (asset === undefined) throw missingAsset(nodeId, input, `no asset has id ${JSON.stringify(info.id.slice(0, 100))}`);
      inputs[input] = loaderName(asset.file);
      assetIds.add(asset.id);
    }
    graph[nodeId] = { ...node, inputs };
  }
  return { graph, assetIds: [...assetIds] };
}
