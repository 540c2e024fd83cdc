import { create } from 'zustand';
import { redactSecrets } from '../api/errors';

export interface Toast {
  id: number;
  kind: 'info' | 'success' | 'error';
  message: string;
  action?: { label: string; run: () => void };
  /** ms; 0 keeps it until dismissed. */
  timeout: number;
}

interface ToastState {
  toasts: Toast[];
  /** Polite screen-reader announcement (separate from visual toasts). */
  announcement: { text: string; n: number };
  push(t: Omit<Toast, 'id' | 'timeout'> & { timeout?: number }): number;
  dismiss(id: number): void;
  announce(text: string): void;
}

let nextId = 1;
const timers = new Map<number, number>();

export const useToasts = create<ToastState>((set, get) => ({
  toasts: [],
  announcement: { text: '', n: 0 },
  push(t) {
    const id = nextId++;
    const timeout = t.timeout ?? (t.kind === 'error' ? 9000 : t.action ? 7000 : 4000);
    // Whatever a caller passes, a toast never shows an access token (a media URL in an error, for instance).
    set((s) => ({ toasts: [...s.toasts.slice(-4), { ...t, message: redactSecrets(t.message), id, timeout }] }));
    if (timeout > 0)
      timers.set(
        id,
        window.setTimeout(() => get().dismiss(id), timeout),
      );
    return id;
  },
  dismiss(id) {
    window.clearTimeout(timers.get(id));
    timers.delete(id);
    set((s) => ({ toasts: s.toasts.filter((x) => x.id !== id) }));
  },
  announce(text) {
    set((s) => ({ announcement: { text, n: s.announcement.n + 1 } }));
  },
}));

export const toast = {
  info: (message: string, action?: Toast['action']) => useToasts.getState().push({ kind: 'info', message, action }),
  success: (message: string) => useToasts.getState().push({ kind: 'success', message }),
  error: (message: string) => useToasts.getState().push({ kind: 'error', message }),
};
export const announce = (text: string) => useToasts.getState().announce(text);
