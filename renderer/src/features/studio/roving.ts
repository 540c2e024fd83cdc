import { useLayoutEffect, useState, type FocusEvent, type RefObject } from 'react';

const FOCUSABLE = 'button, input, textarea, select, a[href], [tabindex]';
/** Marks a control whose tabindex this hook changed, holding its own value ('' for none) to give back. */
const MARK = 'data-roving-tabindex';

/**
 * One tab stop per line card: while focus is outside the card, every control inside it is taken out of the tab order
 * (tabindex -1; a mouse click still reaches it), so Tab goes from card to the next pane instead of through a dozen
 * buttons per line. Once focus is inside (Enter/F2 on the card, a click), the controls are back in the tab order and
 * Tab walks this line's controls. Controls that appear later (a take player after generation) are covered too.
 */
export function useRovingRow(rowRef: RefObject<HTMLElement | null>) {
  const [inside, setInside] = useState(false);

  useLayoutEffect(() => {
    const row = rowRef.current;
    if (!row) return;
    const apply = () => {
      for (const el of row.querySelectorAll<HTMLElement>(FOCUSABLE)) {
        if (inside) {
          const own = el.getAttribute(MARK);
          if (own === null) continue;
          if (own === '') el.removeAttribute('tabindex');
          else el.setAttribute('tabindex', own);
          el.removeAttribute(MARK);
        } else if (!el.hasAttribute(MARK)) {
          el.setAttribute(MARK, el.getAttribute('tabindex') ?? '');
          el.setAttribute('tabindex', '-1');
        }
      }
    };
    apply();
    const observer = new MutationObserver(apply);
    observer.observe(row, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [rowRef, inside]);

  return {
    onFocus: (e: FocusEvent<HTMLElement>) => setInside(e.target !== e.currentTarget),
    onBlur: (e: FocusEvent<HTMLElement>) => {
      if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setInside(false);
    },
  };
}
