import { create } from 'zustand';
import type { EventPayload, LibraryVoice, RecorderStatus, UploadableFile } from '../../../preload/contract/index.js';
import { api, errorMessage, isApiError } from '../api';
import { useCatalog } from './catalog';

interface LibraryState {
  voices: LibraryVoice[];
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: string | null;
  load(force?: boolean): Promise<void>;
  /** Replace or add one voice (after create/update/duplicate/import). */
  upsert(voice: LibraryVoice): void;
  update(id: string, patch: { name?: string; language?: string; tags?: string[] }): Promise<LibraryVoice>;
  duplicate(id: string): Promise<LibraryVoice>;
  remove(id: string, deleteTakes: boolean): Promise<number>;
  exportVoice(id: string, passphrase: string): Promise<{ path: string; bytes: number }>;
  importFile(file: UploadableFile, passphrase: string): Promise<LibraryVoice>;
}

/** The voice library shown on the Voices page (library.*). Changes also refresh the voice pickers' catalog. */
export const useLibrary = create<LibraryState>((set, get) => {
  const refreshCatalog = () => void useCatalog.getState().load(true);
  return {
    voices: [],
    status: 'idle',
    error: null,
    async load(force = false) {
      if (!force && (get().status === 'ready' || get().status === 'loading')) return;
      if (get().status !== 'ready') set({ status: 'loading' });
      try {
        set({ voices: await api().call('library.list', {}), status: 'ready', error: null });
      } catch (err) {
        set({ status: 'error', error: errorMessage(err) });
      }
    },
    upsert(voice) {
      set((s) => ({
        voices: s.voices.some((v) => v.id === voice.id)
          ? s.voices.map((v) => (v.id === voice.id ? voice : v))
          : [...s.voices, voice],
      }));
      refreshCatalog();
    },
    async update(id, patch) {
      const voice = await api().call('library.update', { id, ...patch });
      get().upsert(voice);
      return voice;
    },
    async duplicate(id) {
      const voice = await api().call('library.duplicate', { id });
      get().upsert(voice);
      return voice;
    },
    async remove(id, deleteTakes) {
      const r = await api().call('library.delete', { id, deleteTakes });
      set((s) => ({ voices: s.voices.filter((v) => v.id !== id) }));
      refreshCatalog();
      return r.takesDeleted;
    },
    exportVoice(id, passphrase) {
      return api().call('library.export', { id, passphrase });
    },
    async importFile(file, passphrase) {
      const ref = await api().uploadVoiceFile(file);
      const voice = await api().call('library.importFile', { ...ref, passphrase });
      get().upsert(voice);
      return voice;
    },
  };
});

export type RecorderLevel = EventPayload<'recorder.level'>;

interface RecorderStore {
  status: RecorderStatus;
  level: RecorderLevel | null;
  apply(status: RecorderStatus): void;
  applyLevel(level: RecorderLevel): void;
  /** Ask the core (after a reload or reconnect: a take may be running). */
  sync(): Promise<void>;
}

const IDLE: RecorderStatus = {
  state: 'idle',
  purpose: null,
  elapsed: 0,
  maxSeconds: 0,
  endReason: null,
  error: null,
};

/** The main-process recorder as the UI sees it: state and live level from `recorder.state` / `recorder.level`. */
export const useRecorder = create<RecorderStore>((set) => ({
  status: IDLE,
  level: null,
  apply(status) {
    set((s) => ({
      status,
      level: status.state === 'recording' || status.state === 'paused' ? s.level : null,
    }));
  },
  applyLevel(level) {
    set((s) => ({
      level,
      status:
        s.status.state === 'recording' || s.status.state === 'paused'
          ? { ...s.status, elapsed: level.elapsed, state: level.paused ? 'paused' : 'recording' }
          : s.status,
    }));
  },
  async sync() {
    try {
      const status = await api().call('recorder.status', {});
      set({ status });
    } catch {
      // no recorder in this build or the call failed: keep what the events said
    }
  },
}));

/** True while the microphone is open (the app chrome shows an indicator). */
export const micOpen = (s: RecorderStatus) => s.state === 'starting' || s.state === 'recording' || s.state === 'paused';

interface VaultStore {
  /** The server's message when a call failed with VAULT_LOCKED (null when not known to be locked). */
  locked: string | null;
}

/** Whether voice data is locked (no keychain and no passphrase given yet): the Voices UI then offers to unlock. */
export const useVault = create<VaultStore>(() => ({ locked: null }));

/** Note a VAULT_LOCKED error (returns true when it was one). */
export function noteVaultError(err: unknown): boolean {
  if (!isApiError(err, 'VAULT_LOCKED')) return false;
  useVault.setState({ locked: err.message });
  return true;
}
