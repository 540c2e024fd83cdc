import { create } from 'zustand';
import type { EngineInfo, VoiceInfo } from '../../../preload/contract/index.js';
import { api, errorMessage } from '../api';

interface CatalogState {
  voices: VoiceInfo[];
  engines: EngineInfo[];
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: string | null;
  load(force?: boolean): Promise<void>;
}

/** Installed engines and voices (rarely change; loaded once, reloaded on demand). */
export const useCatalog = create<CatalogState>((set, get) => ({
  voices: [],
  engines: [],
  status: 'idle',
  error: null,
  async load(force = false) {
    if (!force && (get().status === 'ready' || get().status === 'loading')) return;
    set({ status: 'loading' });
    try {
      const [engines, voices] = await Promise.all([api().call('engines.list', {}), api().call('voices.list', {})]);
      set({ engines, voices, status: 'ready', error: null });
    } catch (err) {
      set({ status: 'error', error: errorMessage(err) });
    }
  },
}));
