/**
 * What the app keeps in the browser (localStorage): the API key, the language and the WebSocket
 * client id. A tiny external store, so React reads it with useSyncExternalStore and the API
 * client (outside React) reads the same values.
 */
import { useSyncExternalStore } from 'react';

export type LanguageChoice = 'auto' | 'en' | 'zh';

export interface Settings {
  readonly apiKey: string;
  readonly language: LanguageChoice;
  /** Our /ws client id: prompts the app submits carry it, so their events come back to us. */
  readonly clientId: string;
}

const KEYS = { apiKey: 'automa.apiKey', language: 'automa.language', clientId: 'automa.clientId' } as const;

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled (privacy mode): settings live for this page only
  }
}

function newClientId(): string {
  return crypto.randomUUID().replaceAll('-', '');
}

function read(): Settings {
  const store = storage();
  const language = store?.getItem(KEYS.language);
  let clientId = store?.getItem(KEYS.clientId) ?? '';
  if (!/^[0-9a-f]{32}$/.test(clientId)) {
    clientId = newClientId();
    store?.setItem(KEYS.clientId, clientId);
  }
  return {
    apiKey: store?.getItem(KEYS.apiKey) ?? '',
    language: language === 'en' || language === 'zh' ? language : 'auto',
    clientId,
  };
}

let current: Settings | null = null;
const listeners = new Set<() => void>();

/** The settings now (read from storage once, then kept in memory). */
export function getSettings(): Settings {
  current ??= read();
  return current;
}

/** Change and persist some settings; subscribers hear about it. */
export function updateSettings(change: Partial<Omit<Settings, 'clientId'>>): void {
  const next = { ...getSettings(), ...change };
  const store = storage();
  if (change.apiKey !== undefined) {
    if (change.apiKey === '') store?.removeItem(KEYS.apiKey);
    else store?.setItem(KEYS.apiKey, change.apiKey);
  }
  if (change.language !== undefined) store?.setItem(KEYS.language, change.language);
  current = next;
  for (const listener of listeners) listener();
}

/** Hear every change; returns the unsubscribe function. */
export function subscribeSettings(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The settings, re-rendering on change. */
export function useSettings(): Settings {
  return useSyncExternalStore(subscribeSettings, getSettings, getSettings);
}

/** For tests: forget the in-memory copy so the next read comes from storage again. */
export function resetSettingsCache(): void {
  current = null;
}
