import { describe, expect, it } from 'vitest';
import { en } from './messages-en';
import { zh } from './messages-zh';
import { format, resolveLanguage, translator } from './i18n';

describe('resolveLanguage', () => {
  it('follows the browser: the first of Chinese or English in its list, English otherwise', () => {
    expect(resolveLanguage('auto', ['zh-CN', 'en'])).toBe('zh');
    expect(resolveLanguage('auto', ['zh-TW'])).toBe('zh');
    expect(resolveLanguage('auto', ['de-DE', 'en-GB', 'zh'])).toBe('en');
    expect(resolveLanguage('auto', ['fr'])).toBe('en');
  });

  it('lets an explicit choice win over the browser', () => {
    expect(resolveLanguage('en', ['zh-CN'])).toBe('en');
    expect(resolveLanguage('zh', ['en-US'])).toBe('zh');
  });
});

describe('messages', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(format('{count} in queue', { count: 3 })).toBe('3 in queue');
    expect(format('{a} and {b}', { a: 'x' })).toBe('x and {b}');
    expect(translator('zh')('header.queueRemaining', { count: 2 })).toBe('队列中 2 个');
  });

  it('has every English placeholder in each Chinese message, and no message left in English', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      const names = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(zh[key]), key).toEqual(names(en[key]));
      expect(zh[key] === en[key] && /[a-z]{4}/.test(en[key]), `${key} untranslated`).toBe(false);
    }
  });
});
