import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { Icon } from '../../components/Icon';
import { placePopover } from '../../components/popover';
import { useT } from '../../i18n/useT';
import './navigator.css';

/** A chapter of the script: its title and the id of its first line. */
export interface NavChapter {
  title: string;
  lineId: string;
  /** 1-based number of its first line (shown beside the title). */
  lineNumber: number;
}

/**
 * The chapter navigator: a button that opens the list of the script's chapter headings (in the top layer, so no panel
 * clips it). Arrow keys move between them, Enter or a click jumps to the chapter, Escape closes and gives focus back.
 */
export function ChapterMenu({ chapters, onPick }: { chapters: NavChapter[]; onPick(lineId: string): void }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const popRef = useRef<HTMLDivElement>(null);
  const listId = useId();

  useLayoutEffect(() => {
    const pop = popRef.current;
    const button = buttonRef.current;
    if (!open || !pop || !button) return;
    const cleanup = placePopover(pop, button, { align: 'start' });
    pop.querySelector<HTMLButtonElement>('button')?.focus();
    return cleanup;
  }, [open]);

  // A click outside closes it.
  useEffect(() => {
    if (!open) return;
    const onDown = (e: PointerEvent) => {
      const target = e.target as Node;
      if (!popRef.current?.contains(target) && !buttonRef.current?.contains(target)) setOpen(false);
    };
    document.addEventListener('pointerdown', onDown, true);
    return () => document.removeEventListener('pointerdown', onDown, true);
  }, [open]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const items = [...(popRef.current?.querySelectorAll<HTMLButtonElement>('button') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLButtonElement);
    let next = -1;
    if (e.key === 'ArrowDown') next = Math.min(items.length - 1, at + 1);
    else if (e.key === 'ArrowUp') next = Math.max(0, at - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = items.length - 1;
    else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
      buttonRef.current?.focus();
      return;
    } else if (e.key === 'Tab') {
      setOpen(false);
      return;
    }
    if (next >= 0) {
      e.preventDefault();
      items[next]?.focus();
    }
  };

  if (chapters.length === 0) return null;
  return (
    <>
      <button
        ref={buttonRef}
        type="button"
        className="link-btn"
        aria-expanded={open}
        aria-controls={open ? listId : undefined}
        onClick={() => setOpen((o) => !o)}
      >
        <Icon name="book" size={14} />
        {t('studioUx.chapters', { count: chapters.length })}
      </button>
      {open && (
        <div
          id={listId}
          ref={popRef}
          className="chapter-popover"
          popover="manual"
          role="dialog"
          aria-label={t('studioUx.chaptersLabel')}
          onKeyDown={onKeyDown}
        >
          <ul className="chapter-list">
            {chapters.map((c) => (
              <li key={c.lineId}>
                <button
                  type="button"
                  className="chapter-item"
                  onClick={() => {
                    setOpen(false);
                    onPick(c.lineId);
                  }}
                >
                  <span className="chapter-item-title">{c.title}</span>
                  <span className="muted small">{t('studioUx.chapterLine', { n: c.lineNumber })}</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}

const isTextField = (el: Element | null) =>
  !!el &&
  (el instanceof HTMLTextAreaElement ||
    (el instanceof HTMLInputElement && !['checkbox', 'radio', 'range', 'button'].includes(el.type)) ||
    el instanceof HTMLSelectElement ||
    (el as HTMLElement).isContentEditable);

/** Lines whose text contains `query`, case-insensitively (ids in script order). An empty query matches nothing. */
export function matchLines(lines: { id: string; text: string }[], query: string, locale?: string): string[] {
  const q = query.trim().toLocaleLowerCase(locale);
  if (!q) return [];
  return lines.filter((l) => l.text.toLocaleLowerCase(locale).includes(q)).map((l) => l.id);
}

/**
 * Search in the script: a button (or "/" outside text fields) opens a search box; typing shows the first matching
 * line and "n of m", Enter and Shift+Enter go to the next and previous match (wrapping), Escape closes the box and
 * puts focus on the matched line. The browser's own Ctrl+F is left alone.
 */
export function ScriptSearch({
  lines,
  onShow,
  onLeave,
}: {
  /** The lines shown (their current text, drafts included), in order. */
  lines: { id: string; text: string }[];
  /** Show a match (scroll the list to it, mark it); null when there is none. */
  onShow(lineId: string | null): void;
  /** The box closed: focus this line (the match shown), or null to stay put. */
  onLeave(lineId: string | null): void;
}) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [at, setAt] = useState(0);
  const inputRef = useRef<HTMLInputElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const matches = useMemo(() => matchLines(lines, query, t.locale), [lines, query, t.locale]);
  const index = matches.length ? Math.min(at, matches.length - 1) : -1;
  const shown = index >= 0 ? matches[index] : null;

  // "/" opens the search box (not while typing in a field or with a dialog open).
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key !== '/' || e.defaultPrevented || e.isComposing || e.ctrlKey || e.metaKey || e.altKey) return;
      if (isTextField(document.activeElement) || document.querySelector('dialog[open]')) return;
      e.preventDefault();
      setOpen(true);
      requestAnimationFrame(() => inputRef.current?.select());
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    if (open) inputRef.current?.focus();
  }, [open]);

  // Show the match whenever it changes (a new query, Enter, or the lines changing under it).
  // (Through a ref: a new callback, e.g. after the lines refresh, must not scroll the list back to the match.)
  const onShowRef = useRef(onShow);
  useLayoutEffect(() => {
    onShowRef.current = onShow;
  });
  useEffect(() => {
    if (open) onShowRef.current(shown);
  }, [open, shown, index]);

  const close = (focusLine: boolean) => {
    setOpen(false);
    onShow(null);
    if (focusLine) onLeave(shown);
    else requestAnimationFrame(() => buttonRef.current?.focus());
  };
  const go = (delta: number) => {
    if (!matches.length) return;
    setAt((((index + delta) % matches.length) + matches.length) % matches.length);
  };

  if (!open)
    return (
      <button
        ref={buttonRef}
        type="button"
        className="link-btn"
        title={`${t('studioUx.search')} (/)`}
        aria-keyshortcuts="/"
        onClick={() => setOpen(true)}
      >
        <Icon name="search" size={14} />
        {t('studioUx.search')}
      </button>
    );
  return (
    <div className="script-search" role="search" aria-label={t('studioUx.searchLabel')}>
      <input
        ref={inputRef}
        type="search"
        className="input script-search-input"
        value={query}
        placeholder={t('studioUx.searchPlaceholder')}
        aria-label={t('studioUx.searchLabel')}
        aria-describedby="script-search-count"
        maxLength={200}
        onChange={(e) => {
          setQuery(e.target.value);
          setAt(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            go(e.shiftKey ? -1 : 1);
          } else if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            close(true);
          }
        }}
      />
      <span id="script-search-count" className="muted small script-search-count" aria-live="polite">
        {query.trim()
          ? matches.length
            ? t('studioUx.searchCount', { n: index + 1, m: matches.length })
            : t('studioUx.searchNone')
          : ''}
      </span>
      <button
        type="button"
        className="icon-btn"
        aria-label={t('studioUx.searchPrev')}
        title={`${t('studioUx.searchPrev')} (Shift+Enter)`}
        disabled={matches.length === 0}
        onClick={() => go(-1)}
      >
        <Icon name="up" size={14} />
      </button>
      <button
        type="button"
        className="icon-btn"
        aria-label={t('studioUx.searchNext')}
        title={`${t('studioUx.searchNext')} (Enter)`}
        disabled={matches.length === 0}
        onClick={() => go(1)}
      >
        <Icon name="down" size={14} />
      </button>
      <button
        type="button"
        className="icon-btn"
        aria-label={t('studioUx.searchClose')}
        title={`${t('studioUx.searchClose')} (Esc)`}
        onClick={() => close(false)}
      >
        <Icon name="x" size={14} />
      </button>
    </div>
  );
}
