import { getInputInfo, type InputInfo, type NodeInfo, type ObjectInfo } from '../upstream/protocol/index.js';
import type { InputChoice, InputValue } from './types.js';

/** What the pool offers: the union of every backend's /object_info, and each backend's own. */
export interface PoolInfo {
  readonly union: ObjectInfo | null;
  readonly backends: readonly { readonly name: string; readonly info: ObjectInfo | null }[];
}

/** The pool as the gateway's public interface shows it. */
export function poolInfoOf(gateway: {
  objectInfo(): Readonly<Record<string, unknown>> | null;
  readonly links: readonly { readonly ref: { readonly name: string }; readonly objectInfo: Readonly<Record<string, unknown>> | null }[];
}): PoolInfo {
  return {
    union: gateway.objectInfo() as ObjectInfo | null,
    backends: gateway.links.map((link) => ({ name: link.ref.name, info: link.objectInfo as ObjectInfo | null })),
  };
}

export function nodeInfoOf(info: ObjectInfo | null, classType: string): NodeInfo | undefined {
  return info !== null && Object.hasOwn(info, classType) ? info[classType] : undefined;
}

export function inputInfoOf(info: ObjectInfo | null, classType: string, input: string): InputInfo | undefined {
  const node = nodeInfoOf(info, classType);
  return node === undefined ? undefined : getInputInfo(node, input);
}

/** Backends whose node classes include `classType`. */
export function backendsWithClass(pool: PoolInfo, classType: string): string[] {
  return pool.backends.filter((b) => nodeInfoOf(b.info, classType) !== undefined).map((b) => b.name);
}

/** Each choice of a combo input, with the backends that list it, in the union's order. */
export function choicesWithBackends(pool: PoolInfo, classType: string, input: string, union: readonly unknown[]): InputChoice[] {
  const perBackend = pool.backends.map((b) => ({ name: b.name, choices: new Set(inputInfoOf(b.info, classType, input)?.choices ?? []) }));
  return union.flatMap((value) => {
    const choice = asInputValue(value);
    if (choice === undefined) return [];
    return [{ value: choice, backends: perBackend.filter((b) => b.choices.has(value as never)).map((b) => b.name) }];
  });
}

/** A number from /object_info (a plain number, a bigint past 2^53, or a kept Python float). */
export function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'object' && value !== null && 'value' in value && typeof value.value === 'number') return value.value;
  return undefined;
}

/** A JSON scalar an input can hold, or undefined (links, lists, objects). */
export function asInputValue(value: unknown): InputValue | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  return numberOf(value);
}
