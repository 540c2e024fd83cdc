import { useMemo } from 'react';
import { useSettings } from '../store/settings';
import { makeTranslator, type Translator } from './index';

/** The translator for the current UI language. */
export function useT(): Translator {
  const locale = useSettings((s) => s.settings.locale);
  return useMemo(() => makeTranslator(locale), [locale]);
}

/** The translator outside React. */
export const currentT = (): Translator => makeTranslator(useSettings.getState().settings.locale);
