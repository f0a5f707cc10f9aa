/**
 * ComfyUI's classic output cache: a node's cache key is its input signature (class, constant
 * inputs, IS_CHANGED value, and the signatures of what feeds it), so a node re-runs only when
 * something upstream of it changed. Each prompt keeps only the entries it uses (clean_unused).
 */
import { createHash } from 'node:crypto';
import { stringifyPython } from '../../src/upstream/protocol/index.js';

type Prompt = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

export interface UiEntry {
  readonly meta: { node_id: string; display_node: string; parent_node: null; real_node_id: string };
  readonly output: Record<string, unknown>;
}

export interface CachedNode {
  readonly outputs: readonly unknown[];
  ui?: UiEntry;
}

const isLink = (value: unknown): value is [string, number] =>
  Array.isArray(value) && value.length === 2 && typeof value[0] === 'string';

/**
 * Signature of every node. `isChanged` gives a node's IS_CHANGED value (undefined when its class
 * has none); `perNode` says whether the node id itself is part of the key (UNIQUE_ID inputs).
 */
export function signatures(
  prompt: Prompt,
  isChanged: (id: string) => unknown,
  perNode: (id: string) => boolean,
): Map<string, string> {
  const out = new Map<string, string>();
  const visiting = new Set<string>();
  const sign = (id: string): string => {
    const known = out.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id) || !Object.hasOwn(prompt, id)) return `missing:${id}`;
    visiting.add(id);
    const node = prompt[id] ?? {};
    const inputs = (node['inputs'] ?? {}) as Record<string, unknown>;
    const parts = Object.keys(inputs)
      .sort()
      .map((name) => {
        const value = inputs[name];
        return [name, isLink(value) ? ['LINK', sign(value[0]), value[1]] : value];
      });
    const key = stringifyPython([node['class_type'], isChanged(id) ?? null, perNode(id) ? id : null, parts]);
    const digest = createHash('sha256').update(key).digest('hex');
    visiting.delete(id);
    out.set(id, digest);
    return digest;
  };
  for (const id of Object.keys(prompt)) sign(id);
  return out;
}

export class OutputCache {
  private readonly entries = new Map<string, CachedNode>();

  /** Keep only what this prompt's signatures use, as clean_unused does. */
  keepOnly(keys: ReadonlySet<string>): void {
    for (const key of this.entries.keys()) if (!keys.has(key)) this.entries.delete(key);
  }

  get(key: string | undefined): CachedNode | undefined {
    return key === undefined ? undefined : this.entries.get(key);
  }

  set(key: string, node: CachedNode): void {
    this.entries.set(key, node);
  }

  clear(): void {
    this.entries.clear();
  }
}
