import { create } from 'zustand';
import type { PolicyInfo } from '../../../../preload/contract/index.js';
import { api } from '../../api';

/** The organisation's managed policy as the UI needs it (loaded once at start: it cannot change while Timbre runs). */
export const usePolicy = create<{ info: PolicyInfo; load(): Promise<void> }>((set) => ({
  info: { source: null, policy: {} },
  async load() {
    try {
      set({ info: await api().call('policy.get', {}) });
    } catch {
      // An older core without the call: no policy.
    }
  },
}));
