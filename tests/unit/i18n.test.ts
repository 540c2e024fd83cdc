import { describe, expect, it } from 'vitest';
import { en } from '../../renderer/src/i18n/en';
import { zhCN } from '../../renderer/src/i18n/zh-CN';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n dictionaries', () => {
  it('English and Simplified Chinese have the same keys', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
  });

  it('no value is empty', () => {
    for (const [locale, dict] of Object.entries({ en, 'zh-CN': zhCN })) {
      for (const [key, value] of Object.entries(dict)) expect(value.trim(), `${locale} ${key}`).not.toBe('');
    }
  });

  it('each translation uses the same {placeholders}', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[])
      expect(placeholders(zhCN[key]), key).toEqual(placeholders(en[key]));
  });

  it('plural keys come in _one/_other pairs', () => {
    for (const key of Object.keys(en)) {
      if (key.endsWith('_one')) expect(Object.keys(en)).toContain(key.replace(/_one$/, '_other'));
      if (key.endsWith('_other')) expect(Object.keys(en)).toContain(key.replace(/_other$/, '_one'));
    }
  });
});
