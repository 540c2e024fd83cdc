import { en, type MessageKey } from './en';
import { zhCN } from './zh-CN';
import { redactSecrets } from '../api/errors';

export type { MessageKey } from './en';
export type Locale = 'en' | 'zh-CN';

export const dictionaries = { en, 'zh-CN': zhCN } as const;

/** Keys that come in `_one` / `_other` pairs, without the suffix. */
export type PluralKey = {
  [K in MessageKey]: K extends `${infer Base}_one` ? (`${Base}_other` extends MessageKey ? Base : never) : never;
}[MessageKey];

export type Params = Record<string, string | number>;

export interface Translator {
  (key: MessageKey, params?: Params): string;
  /** Pick the singular or plural form by `count` (also passed as `{count}`). */
  plural(key: PluralKey, count: number, params?: Params): string;
  readonly locale: Locale;
}

function fill(template: string, params?: Params): string {
  if (!params) return template;
  // A value filled into a message (often an error's text) never shows an access token.
  return template.replace(/\{(\w+)\}/g, (m, name: string) =>
    name in params ? redactSecrets(String(params[name])) : m,
  );
}

export function makeTranslator(locale: Locale): Translator {
  const dict = dictionaries[locale] ?? en;
  const rules = new Intl.PluralRules(locale);
  const t = ((key: MessageKey, params?: Params) => fill(dict[key] ?? en[key] ?? key, params)) as Translator;
  t.plural = (key, count, params) => {
    const form = rules.select(count) === 'one' ? 'one' : 'other';
    return t(`${key}_${form}` as MessageKey, { count: count.toLocaleString(locale), ...params });
  };
  Object.defineProperty(t, 'locale', { value: locale });
  return t;
}

/** The best UI language for this system, before settings are loaded. */
export function guessLocale(): Locale {
  const langs = typeof navigator !== 'undefined' ? navigator.languages : [];
  return langs.some((l) => /^zh(-|$)/i.test(l)) ? 'zh-CN' : 'en';
}
