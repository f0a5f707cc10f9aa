/**
 * Typed message tables instead of an i18n library: English is the reference table, every other
 * language must have exactly its keys (the compiler checks), and `{name}` placeholders are filled
 * from the values given. Two languages and no plurals beyond counts don't need more.
 */
import { createContext, useContext, useEffect, useMemo, type ReactNode } from 'react';
import { useSettings, type LanguageChoice } from '../settings/settings-store';
import { en, type MessageKey } from './messages-en';
import { zh } from './messages-zh';

export type Language = 'en' | 'zh';
export type { MessageKey };
export type Translate = (key: MessageKey, values?: Readonly<Record<string, string | number>>) => string;

const TABLES: Readonly<Record<Language, Readonly<Record<MessageKey, string>>>> = { en, zh };

/** The language for a choice: `auto` follows the browser's list (any Chinese → Simplified Chinese). */
export function resolveLanguage(choice: LanguageChoice, browserLanguages: readonly string[]): Language {
  if (choice !== 'auto') return choice;
  for (const tag of browserLanguages) {
    const primary = tag.toLowerCase().split('-')[0];
    if (primary === 'zh') return 'zh';
    if (primary === 'en') return 'en';
  }
  return 'en';
}

/** Fill `{name}` placeholders; unknown ones stay visible so a missing value is noticed. */
export function format(template: string, values?: Readonly<Record<string, string | number>>): string {
  if (values === undefined) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** A translate function for one language. */
export function translator(language: Language): Translate {
  const table = TABLES[language];
  return (key, values) => format(table[key], values);
}

interface I18n {
  readonly language: Language;
  readonly t: Translate;
}

const I18nContext = createContext<I18n>({ language: 'en', t: translator('en') });

/** Provides the language the settings and the browser choose; keeps `<html lang>` in step. */
export function I18nProvider({ children }: { children: ReactNode }) {
  const { language: choice } = useSettings();
  const language = resolveLanguage(choice, typeof navigator === 'undefined' ? [] : navigator.languages);
  const value = useMemo(() => ({ language, t: translator(language) }), [language]);
  useEffect(() => {
    document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';
  }, [language]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

/** The current language and its translate function. */
export function useI18n(): I18n {
  return useContext(I18nContext);
}
