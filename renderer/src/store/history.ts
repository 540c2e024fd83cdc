import { create } from 'zustand';

/**
 * Undo/redo for the studio: a stack of commands, each knowing how to undo and redo itself through the API.
 *
 * Stores record a command after an edit succeeded (or optimistically, for text). While a command is being undone or
 * redone, `replaying` is set so the store calls it makes are not recorded again. Typing in one line is coalesced into
 * one command until the user pauses (COALESCE_MS) or moves to another line.
 */
export interface Command {
  /** What the command did, for tooltips ("Undo: edit line 3"). Already translated by the caller. */
  label: string;
  /** Coalescing key: consecutive commands with the same key merge (e.g. `text:<lineId>`). */
  key?: string;
  undo(): Promise<void> | void;
  redo(): Promise<void> | void;
}

interface Entry extends Command {
  at: number;
}

export const COALESCE_MS = 1200;
const MAX = 500;

interface HistoryState {
  past: Entry[];
  future: Entry[];
  busy: boolean;
  /** Record a done command. `merge` (when the key matches the top of the stack) keeps the old undo, takes the new redo. */
  push(cmd: Command): void;
  undo(): Promise<void>;
  redo(): Promise<void>;
  clear(): void;
}

let replaying = 0;
/** True while undo/redo runs: stores must not record the calls it makes. */
export const isReplaying = () => replaying > 0;

export const useHistory = create<HistoryState>((set, get) => ({
  past: [],
  future: [],
  busy: false,

  push(cmd) {
    if (replaying > 0) return;
    const now = Date.now();
    set((s) => {
      const top = s.past[s.past.length - 1];
      if (cmd.key && top && top.key === cmd.key && now - top.at < COALESCE_MS) {
        const merged: Entry = { ...top, redo: cmd.redo, at: now, label: cmd.label };
        return { past: [...s.past.slice(0, -1), merged], future: [] };
      }
      const past = [...s.past, { ...cmd, at: now }];
      return { past: past.length > MAX ? past.slice(past.length - MAX) : past, future: [] };
    });
  },

  async undo() {
    const { past, busy } = get();
    const cmd = past[past.length - 1];
    if (!cmd || busy) return;
    set((s) => ({ past: s.past.slice(0, -1), busy: true }));
    replaying++;
    try {
      await cmd.undo();
      set((s) => ({ future: [...s.future, { ...cmd, at: 0 }] }));
    } finally {
      replaying--;
      set({ busy: false });
    }
  },

  async redo() {
    const { future, busy } = get();
    const cmd = future[future.length - 1];
    if (!cmd || busy) return;
    set((s) => ({ future: s.future.slice(0, -1), busy: true }));
    replaying++;
    try {
      await cmd.redo();
      // at: 0 so a redone text edit never merges with the next keystrokes
      set((s) => ({ past: [...s.past, { ...cmd, at: 0 }] }));
    } finally {
      replaying--;
      set({ busy: false });
    }
  },

  clear() {
    set({ past: [], future: [], busy: false });
  },
}));
