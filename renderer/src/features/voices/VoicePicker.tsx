import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { EngineInfo, VoiceInfo } from '../../../../preload/contract/index.js';
import { useT } from '../../i18n/useT';
import { useCatalog } from '../../store/catalog';
import { Icon } from '../../components/Icon';
import { placePopover } from '../../components/popover';
import { useStudio } from '../../store/studio';
import {
  groupHint,
  languageLabel,
  preferredLanguages,
  primaryLanguage,
  rankLanguages,
  usedLanguages,
} from './languages';
import { PreviewButton } from './PreviewButton';
import { useVoicePreview } from './preview';

export function languageName(code: string, locale: string): string {
  return languageLabel(code, locale);
}

interface Props {
  value: string | null;
  onChange(voiceId: string | null): void;
  /** Accessible name of the control, e.g. "Voice for line 3". */
  label: string;
  /** Text of the "no specific voice" choice. */
  noneLabel: string;
  compact?: boolean;
  disabled?: boolean;
}

interface Option {
  id: string | null;
  voice: VoiceInfo | null;
}

/** Voices of one engine within a language group. */
interface EngineGroup {
  engineId: string;
  voices: VoiceInfo[];
}

interface Group {
  lang: string;
  name: string;
  voices: VoiceInfo[];
  /** The same voices by engine (library voices first, then engines by name): the order the options are listed in. */
  engines: EngineGroup[];
}

/** Library voices first, then the engines in the order of their names. */
function byEngine(voices: VoiceInfo[], engineName: (id: string) => string): EngineGroup[] {
  const m = new Map<string, VoiceInfo[]>();
  for (const v of voices) m.set(v.engineId, [...(m.get(v.engineId) ?? []), v]);
  return [...m.entries()]
    .map(([engineId, list]) => ({ engineId, voices: list }))
    .sort(
      (a, b) =>
        Number(b.engineId === 'library') - Number(a.engineId === 'library') ||
        engineName(a.engineId).localeCompare(engineName(b.engineId)),
    );
}

function buildGroups(
  voices: VoiceInfo[],
  query: string,
  locale: string,
  preferred: readonly string[] = [],
  engineName: (id: string) => string = (id) => id,
): Group[] {
  const q = query.trim().toLowerCase();
  const match = (v: VoiceInfo) =>
    !q ||
    v.name.toLowerCase().includes(q) ||
    v.language.toLowerCase().includes(q) ||
    languageName(v.language, locale).toLowerCase().includes(q) ||
    v.engineId.toLowerCase().includes(q);
  const byLang = new Map<string, VoiceInfo[]>();
  for (const v of voices.filter(match)) {
    const list = byLang.get(v.language) ?? [];
    list.push(v);
    byLang.set(v.language, list);
  }
  return rankLanguages(
    [...byLang.entries()].map(([lang, list]) => {
      const engines = byEngine(
        list.sort((a, b) => a.name.localeCompare(b.name)),
        engineName,
      );
      return {
        lang,
        name: languageLabel(lang, locale, groupHint(list)),
        voices: engines.flatMap((e) => e.voices),
        engines,
      };
    }),
    preferred,
  );
}

function toOptions(groups: Group[], query: string): Option[] {
  return [
    ...(query.trim() ? [] : [{ id: null, voice: null }]),
    ...groups.flatMap((g) => g.voices.map((v) => ({ id: v.id, voice: v }))),
  ];
}

/**
 * The voices the picker lists: with a project language and no search, that language's voices only (unless "show
 * all languages" is on); a search looks through every language (typing a name is asking for it).
 */
export function visibleVoices(
  voices: VoiceInfo[],
  projectLanguage: string | null | undefined,
  showAll: boolean,
  query: string,
): VoiceInfo[] {
  if (!projectLanguage || showAll || query.trim()) return voices;
  const lang = primaryLanguage(projectLanguage);
  return voices.filter((v) => primaryLanguage(v.language) === lang);
}

const engineLabel = (engines: readonly EngineInfo[], yourVoices: string) => (id: string) =>
  id === 'library' ? yourVoices : (engines.find((e) => e.id === id)?.name ?? id);

/** A non-focusable "listen" mark inside an option (the search bar's Listen button is the keyboard's way). */
function OptionPreview({ voice, label }: { voice: VoiceInfo; label: string }) {
  const mine = useVoicePreview((s) => (s.voiceId === voice.id ? s.phase : 'idle'));
  const toggle = useVoicePreview((s) => s.toggle);
  return (
    <span
      className={`voice-option-preview${mine !== 'idle' ? ' playing' : ''}`}
      aria-hidden="true"
      title={label}
      data-preview={voice.id}
      onMouseDown={(e) => e.preventDefault()}
      onClick={(e) => {
        e.stopPropagation();
        void toggle(voice.id);
      }}
    >
      {mine === 'loading' ? (
        <span className="spinner" />
      ) : (
        <Icon name={mine === 'playing' ? 'stop' : 'headphones'} size={13} />
      )}
    </span>
  );
}

/** A searchable voice picker: voices grouped by language, full keyboard support (combobox + listbox pattern). */
export function VoicePicker({ value, onChange, label, noneLabel, compact, disabled }: Props) {
  const t = useT();
  const allVoices = useCatalog((s) => s.voices);
  const engines = useCatalog((s) => s.engines);
  const projectLanguage = useStudio((s) => s.project?.language ?? null);
  const [showAll, setShowAll] = useState(false);
  const load = useCatalog((s) => s.load);
  const catalogStatus = useCatalog((s) => s.status);
  const catalogError = useCatalog((s) => s.error);
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const voices = useMemo(
    () => visibleVoices(allVoices, projectLanguage, showAll, query),
    [allVoices, projectLanguage, showAll, query],
  );
  const hiddenCount = allVoices.length - visibleVoices(allVoices, projectLanguage, showAll, '').length;
  const engineName = useMemo(() => engineLabel(engines, t('lang.yourVoices')), [engines, t]);
  const [active, setActive] = useState(0);
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const popRef = useRef<HTMLDivElement>(null);
  const uid = useId();

  // The options open in the top layer (the Popover API), placed in the viewport next to the button: never behind the
  // next line card, never clipped by a panel's overflow or the window's edge.
  useLayoutEffect(() => {
    const pop = popRef.current;
    const button = buttonRef.current;
    if (!open || !pop || !button) return;
    return placePopover(pop, button, { align: compact ? 'end' : 'start' });
  }, [open, compact]);

  useEffect(() => {
    void load();
  }, [load]);

  // Languages to list first, worked out when the picker opens (not on every edit of the script).
  const [preferred, setPreferred] = useState<string[]>([]);
  const currentPreferred = () => {
    const { project, lines } = useStudio.getState();
    return preferredLanguages(
      t.locale,
      usedLanguages(allVoices, [
        project?.voiceId,
        ...(project?.speakers ?? []).map((sp) => sp.voiceId),
        ...lines.map((l) => l.voiceId),
      ]),
    );
  };
  const groups = useMemo(
    () =>
      buildGroups(voices, query, t.locale, [...(projectLanguage ? [projectLanguage] : []), ...preferred], engineName),
    [voices, query, t.locale, preferred, projectLanguage, engineName],
  );

  const options = useMemo(() => toOptions(groups, query), [groups, query]);

  const current = allVoices.find((v) => v.id === value) ?? null;
  const optionId = (i: number) => `${uid}-opt-${i}`;

  const openPicker = () => {
    setQuery('');
    const first = currentPreferred();
    setPreferred(first);
    const all = toOptions(
      buildGroups(
        visibleVoices(allVoices, projectLanguage, showAll, ''),
        '',
        t.locale,
        [...(projectLanguage ? [projectLanguage] : []), ...first],
        engineName,
      ),
      '',
    );
    setActive(
      Math.max(
        0,
        all.findIndex((o) => o.id === value),
      ),
    );
    setOpen(true);
  };
  const close = (refocus = true) => {
    setOpen(false);
    if (refocus) buttonRef.current?.focus();
  };
  const choose = (o: Option) => {
    if (o.voice?.unavailableReason) return; // listed so it can be found, but it cannot speak: see its reason
    onChange(o.id);
    close();
  };

  useEffect(() => {
    if (!open) return;
    inputRef.current?.focus();
    const onDown = (e: MouseEvent) => {
      const target = e.target as Node;
      if (!rootRef.current?.contains(target) && !popRef.current?.contains(target)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  useEffect(() => {
    listRef.current?.querySelector(`#${CSS.escape(optionId(active))}`)?.scrollIntoView({ block: 'nearest' });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [active]);

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => Math.min(options.length - 1, a + 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(0, a - 1));
    } else if (e.key === 'Home') {
      e.preventDefault();
      setActive(0);
    } else if (e.key === 'End') {
      e.preventDefault();
      setActive(options.length - 1);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const o = options[active];
      if (o) choose(o);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close();
    } else if (e.key === 'Tab') {
      close(false);
    }
  };

  const genderLabel = (v: VoiceInfo) => t(`voice.gender.${v.gender}`);
  /** Name and language: the button's visible text (long names are cut off, so also its tooltip). */
  const fullName = (v: VoiceInfo) => `${v.name} · ${languageName(v.language, t.locale)}`;
  let index = query.trim() ? 0 : 1;

  return (
    <div className={`voice-picker${compact ? ' compact' : ''}`} ref={rootRef}>
      <button
        ref={buttonRef}
        type="button"
        className="voice-button"
        aria-haspopup="listbox"
        disabled={disabled}
        aria-expanded={open}
        aria-label={`${label}: ${current ? (compact ? current.name : fullName(current)) : noneLabel}`}
        title={current ? fullName(current) : noneLabel}
        onClick={() => (open ? close() : openPicker())}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' && !open) {
            e.preventDefault();
            openPicker();
          }
        }}
      >
        <Icon name="voices" size={15} />
        <span className="voice-button-text">
          {current ? current.name : noneLabel}
          {current && !compact && <span className="muted"> · {languageName(current.language, t.locale)}</span>}
        </span>
        <Icon name="chevron" size={14} />
      </button>
      {open && (
        <div className="voice-popover" role="dialog" aria-label={label} ref={popRef} popover="manual">
          <div className="voice-search">
            <Icon name="search" size={15} />
            <input
              ref={inputRef}
              type="search"
              role="combobox"
              aria-label={t('voice.searchLabel')}
              aria-expanded="true"
              aria-controls={`${uid}-list`}
              aria-autocomplete="list"
              aria-activedescendant={options[active] ? optionId(active) : undefined}
              placeholder={t('voice.searchPlaceholder')}
              value={query}
              onChange={(e) => {
                setQuery(e.target.value);
                setActive(0);
              }}
              onKeyDown={onKey}
            />
            {options[active]?.voice && options[active].voice.engineId !== 'library' && (
              <PreviewButton voiceId={options[active].voice.id} name={options[active].voice.name} small />
            )}
          </div>
          {projectLanguage && (hiddenCount > 0 || showAll) && (
            <div className="voice-language-filter">
              <span className="muted">
                {showAll
                  ? t('lang.projectLanguage') + ': ' + languageName(projectLanguage, t.locale)
                  : t('lang.showingOnly', { language: languageName(projectLanguage, t.locale) })}
              </span>
              <button
                type="button"
                className="btn btn-sm"
                aria-pressed={showAll}
                onMouseDown={(e) => e.preventDefault() /* keep focus in the search box */}
                onClick={() => {
                  setShowAll((x) => !x);
                  setActive(0);
                }}
              >
                {t('lang.showAll')}
              </button>
            </div>
          )}
          <ul
            className="voice-list"
            role="listbox"
            id={`${uid}-list`}
            aria-label={label}
            ref={listRef}
            onMouseDown={
              (e) =>
                e.preventDefault() /* a click in the list keeps focus in the search box: Enter, Escape and the arrows go on working */
            }
          >
            {!query.trim() && (
              <li
                id={optionId(0)}
                role="option"
                aria-selected={value === null}
                className={`voice-option${active === 0 ? ' active' : ''}`}
                onMouseEnter={() => setActive(0)}
                onClick={() => choose({ id: null, voice: null })}
              >
                <span>{noneLabel}</span>
                {value === null && <Icon name="check" size={15} />}
              </li>
            )}
            {groups.map((g) => (
              <li key={g.lang} role="presentation">
                <div className="voice-group-label" id={`${uid}-g-${g.lang}`} aria-hidden="true">
                  {g.name}
                </div>
                {g.engines.map((eg) => (
                  <div key={eg.engineId} role="presentation">
                    <div className="voice-engine-label" id={`${uid}-g-${g.lang}-${eg.engineId}`} aria-hidden="true">
                      {engineName(eg.engineId)}
                    </div>
                    <ul role="group" aria-labelledby={`${uid}-g-${g.lang} ${uid}-g-${g.lang}-${eg.engineId}`}>
                      {eg.voices.map((v) => {
                        const i = index++;
                        return (
                          <li
                            key={v.id}
                            id={optionId(i)}
                            role="option"
                            aria-selected={value === v.id}
                            aria-disabled={v.unavailableReason ? true : undefined}
                            title={v.unavailableReason}
                            className={`voice-option${active === i ? ' active' : ''}${v.unavailableReason ? ' unavailable' : ''}`}
                            onMouseEnter={() => setActive(i)}
                            onClick={() => choose({ id: v.id, voice: v })}
                          >
                            <span>
                              {v.name}{' '}
                              <span className="muted">
                                · {genderLabel(v)} · {engineName(v.engineId)}
                              </span>
                              {v.unavailableReason && (
                                <span className="voice-unavailable">{t('pick.needsClonePack')}</span>
                              )}
                            </span>
                            {v.engineId !== 'library' && !v.unavailableReason && (
                              <OptionPreview voice={v} label={t('listen.voice', { name: v.name })} />
                            )}
                            {value === v.id && <Icon name="check" size={15} />}
                          </li>
                        );
                      })}
                    </ul>
                  </div>
                ))}
              </li>
            ))}
            {options.length === 0 && (
              <li className="voice-empty" role="presentation">
                {catalogStatus === 'loading' || catalogStatus === 'idle'
                  ? t('common.loading')
                  : catalogStatus === 'error'
                    ? t('error.generic', { message: catalogError ?? '' })
                    : allVoices.length === 0
                      ? t('voice.noVoices')
                      : !query.trim() && projectLanguage && !showAll
                        ? t('lang.noVoicesIn', { language: languageName(projectLanguage, t.locale) })
                        : t('voice.noMatches', { query })}
              </li>
            )}
          </ul>
        </div>
      )}
    </div>
  );
}
