import { create } from 'zustand';
import type { AppInfo, Settings } from '../../../preload/contract/index.js';
import { api, errorMessage } from '../api';
import { guessLocale } from '../i18n';
import { toast } from './toasts';

interface SettingsState {
  settings: Settings;
  info: AppInfo | null;
  loaded: boolean;
  load(): Promise<void>;
  update(patch: Partial<Settings>): Promise<boolean>;
}

const LOCAL = 'timbre.settings.cache';
const DEFAULTS: Settings = {
  theme: 'system',
  locale: guessLocale(),
  defaultVoiceId: null,
  executionProvider: 'auto',
  inferenceThreads: null,
  resumeInterruptedJobs: true,
};

/** Cached copy so the first paint already has the right theme and language. */
function cached(): Settings {
  try {
    const raw = localStorage.getItem(LOCAL);
    if (raw) return { ...DEFAULTS, ...(JSON.parse(raw) as object) };
  } catch {
    // ignore
  }
  return DEFAULTS;
}

export const useSettings = create<SettingsState>((set, get) => ({
  settings: cached(),
  info: null,
  loaded: false,
  async load() {
    const [settings, info] = await Promise.all([api().call('settings.get', {}), api().call('app.info', {})]);
    set({ settings, info, loaded: true });
  },
  async update(patch) {
    const before = get().settings;
    set({ settings: { ...before, ...patch } });
    try {
      const settings = await api().call('settings.update', patch);
      set({ settings });
      return true;
    } catch (err) {
      set({ settings: before });
      toast.error(errorMessage(err));
      return false;
    }
  },
}));

useSettings.subscribe((s) => {
  try {
    localStorage.setItem(LOCAL, JSON.stringify({ theme: s.settings.theme, locale: s.settings.locale }));
  } catch {
    // ignore
  }
});
