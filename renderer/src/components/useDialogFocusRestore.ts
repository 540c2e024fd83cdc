import { useEffect, useLayoutEffect, useRef, type RefObject } from 'react';

/**
 * Focus goes back to whatever opened a dialog when it closes (Escape, Close, an action, or the dialog unmounting),
 * instead of falling to <body>: keyboard and screen-reader users continue where they were. Used by every <dialog> of
 * the app. The opener is read when `open` turns true, before the dialog moves focus inside; if it is gone by then
 * (its row was deleted, say) focus goes to the main region.
 */
export function useDialogFocusRestore(ref: RefObject<HTMLDialogElement | null>, open: boolean): void {
  const opener = useRef<HTMLElement | null>(null);

  // Layout effects run before the passive effect that calls showModal(): the opener still has focus here.
  useLayoutEffect(() => {
    if (!open) return;
    const el = document.activeElement;
    if (el instanceof HTMLElement && el !== document.body && !ref.current?.contains(el)) opener.current = el;
  }, [open, ref]);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    const restore = () => {
      const back = opener.current;
      opener.current = null;
      if (!back) return;
      // Something else already took focus on purpose (the dialog's action moved it): leave it there.
      const now = document.activeElement;
      if (now && now !== document.body && !d.contains(now)) return;
      const target = back.isConnected ? back : document.getElementById('main');
      target?.focus();
    };
    d.addEventListener('close', restore);
    return () => {
      d.removeEventListener('close', restore);
      // Unmounted while open: the dialog leaves the top layer with its node; give focus back once it is gone.
      if (opener.current) queueMicrotask(restore);
    };
  }, [ref]);
}
