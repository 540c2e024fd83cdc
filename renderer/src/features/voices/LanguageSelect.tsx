import { useEffect, useId } from 'react';
import { useT } from '../../i18n/useT';
import { useCatalog } from '../../store/catalog';
import { useStudio } from '../../store/studio';
import { announce } from '../../store/toasts';
import { languageLabel } from './languages';
import { languageChoices, setProjectLanguage } from './project-language';

/**
 * A language choice (primary subtags of the installed voices and of the engines' language packs, named with
 * Intl.DisplayNames). `auto` adds "From the first voice" as the empty value (new projects).
 */
export function LanguageSelect({
  id,
  value,
  onChange,
  label,
  auto,
}: {
  id?: string;
  value: string;
  onChange(language: string): void;
  label: string;
  auto?: boolean;
}) {
  const t = useT();
  const voices = useCatalog((s) => s.voices);
  const engines = useCatalog((s) => s.engines);
  const load = useCatalog((s) => s.load);
  useEffect(() => {
    void load();
  }, [load]);
  const choices = languageChoices(voices, engines, t.locale, value ? [value] : []);
  return (
    <select
      id={id}
      className="input language-select"
      aria-label={label}
      value={value}
      onChange={(e) => onChange(e.target.value)}
    >
      {auto && <option value="">{t('lang.auto')}</option>}
      {choices.map((c) => (
        <option key={c.code} value={c.code}>
          {c.name}
        </option>
      ))}
    </select>
  );
}

/** The open project's language, in the studio toolbar: it filters the voice pickers. */
export function ProjectLanguageSelect() {
  const t = useT();
  const uid = useId();
  const language = useStudio((s) => s.project?.language ?? 'en');
  return (
    <>
      <label className="toolbar-label" htmlFor={`${uid}-lang`}>
        {t('lang.projectLanguage')}
      </label>
      <LanguageSelect
        id={`${uid}-lang`}
        value={language.split('-')[0]}
        label={t('lang.projectLanguage')}
        onChange={(l) =>
          void setProjectLanguage(l).then(
            (ok) => ok && announce(t('lang.changed', { language: languageLabel(l, t.locale) })),
          )
        }
      />
    </>
  );
}
