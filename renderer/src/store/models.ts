import { create } from 'zustand';
import type { ApiErrorShape, MethodResult, ModelPack, ModelProgress } from '../../../preload/contract/index.js';
import { api, ApiError, errorMessage } from '../api';

export type VerifyResult = MethodResult<'models.verify'>;
export type RuntimeInfo = MethodResult<'runtime.info'>;

/** What the UI shows after a failed transfer or call, per pack. */
export interface PackFailure {
  code: ApiErrorShape['code'] | 'NETWORK' | 'BAD_RESPONSE';
  message: string;
}

interface ModelsState {
  packs: ModelPack[];
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: string | null;
  /** Latest `model.progress` of each pack with a transfer running. */
  progress: Record<string, ModelProgress>;
  /** Last failure of each pack (cleared when it is retried or changes state without error). */
  failures: Record<string, PackFailure>;
  /** Last verification of each pack (cleared when the pack changes). */
  verified: Record<string, VerifyResult>;
  /** Packs with a call in flight (verify, remove, cancel, download start). */
  pending: Record<string, 'download' | 'verify' | 'remove' | 'cancel'>;
  importing: boolean;
  runtime: RuntimeInfo | null;
  load(force?: boolean): Promise<void>;
  loadRuntime(): Promise<void>;
  download(id: string, acceptTerms: boolean): Promise<boolean>;
  cancel(id: string): Promise<void>;
  verify(id: string): Promise<void>;
  remove(id: string): Promise<boolean>;
  /** Resolves to the installed pack, or throws the API error. */
  importPack(path: string, acceptTerms: boolean): Promise<ModelPack>;
  applyProgress(p: ModelProgress): void;
  applyUpdate(pack: ModelPack | null, error: ApiErrorShape | null): void;
}

const without = <T>(rec: Record<string, T>, key: string): Record<string, T> => {
  if (!(key in rec)) return rec;
  const next = { ...rec };
  delete next[key];
  return next;
};

const failureOf = (err: unknown): PackFailure =>
  err instanceof ApiError ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: errorMessage(err) };

/** Model packs: the catalog with install state, live transfer progress and the results of user actions. */
export const useModels = create<ModelsState>((set, get) => {
  const upsert = (pack: ModelPack) =>
    set((s) => ({
      packs: s.packs.some((p) => p.id === pack.id)
        ? s.packs.map((p) => (p.id === pack.id ? pack : p))
        : [...s.packs, pack],
    }));
  const setPending = (id: string, what: ModelsState['pending'][string] | null) =>
    set((s) => ({ pending: what ? { ...s.pending, [id]: what } : without(s.pending, id) }));

  return {
    packs: [],
    status: 'idle',
    error: null,
    progress: {},
    failures: {},
    verified: {},
    pending: {},
    importing: false,
    runtime: null,

    async load(force = false) {
      if (!force && (get().status === 'ready' || get().status === 'loading')) return;
      if (get().status !== 'ready') set({ status: 'loading' });
      try {
        const packs = await api().call('models.list', {});
        // A pack that is no longer busy cannot have live progress.
        const progress = Object.fromEntries(
          Object.entries(get().progress).filter(([id]) => packs.some((p) => p.id === id && p.busy)),
        );
        set({ packs, progress, status: 'ready', error: null });
      } catch (err) {
        set({ status: 'error', error: errorMessage(err) });
      }
    },

    async loadRuntime() {
      try {
        set({ runtime: await api().call('runtime.info', {}) });
      } catch {
        // The settings fall back to Auto / CPU / automatic threads.
      }
    },

    async download(id, acceptTerms) {
      setPending(id, 'download');
      set((s) => ({ failures: without(s.failures, id), verified: without(s.verified, id) }));
      try {
        upsert(await api().call('models.download', { id, acceptTerms }));
        return true;
      } catch (err) {
        set((s) => ({ failures: { ...s.failures, [id]: failureOf(err) } }));
        return false;
      } finally {
        setPending(id, null);
      }
    },

    async cancel(id) {
      setPending(id, 'cancel');
      try {
        upsert(await api().call('models.cancel', { id }));
      } catch (err) {
        set((s) => ({ failures: { ...s.failures, [id]: failureOf(err) } }));
      } finally {
        setPending(id, null);
      }
    },

    async verify(id) {
      setPending(id, 'verify');
      set((s) => ({ verified: without(s.verified, id), failures: without(s.failures, id) }));
      try {
        const result = await api().call('models.verify', { id });
        set((s) => ({ verified: { ...s.verified, [id]: result } }));
      } catch (err) {
        set((s) => ({ failures: { ...s.failures, [id]: failureOf(err) } }));
      } finally {
        setPending(id, null);
      }
    },

    async remove(id) {
      setPending(id, 'remove');
      try {
        upsert(await api().call('models.remove', { id }));
        set((s) => ({ verified: without(s.verified, id), failures: without(s.failures, id) }));
        return true;
      } catch (err) {
        set((s) => ({ failures: { ...s.failures, [id]: failureOf(err) } }));
        return false;
      } finally {
        setPending(id, null);
      }
    },

    async importPack(path, acceptTerms) {
      set({ importing: true });
      try {
        const pack = await api().call('models.import', { path, acceptTerms });
        upsert(pack);
        set((s) => ({
          progress: without(s.progress, pack.id),
          failures: without(s.failures, pack.id),
          verified: without(s.verified, pack.id),
        }));
        return pack;
      } finally {
        set({ importing: false });
        // Progress of a failed import names no pack in the answer: drop whatever is not running any more.
        void get().load(true);
      }
    },

    applyProgress(p) {
      set((s) => ({ progress: { ...s.progress, [p.packId]: p } }));
    },

    applyUpdate(pack, error) {
      if (!pack) {
        void get().load(true);
        return;
      }
      upsert(pack);
      set((s) => ({
        progress: pack.busy ? s.progress : without(s.progress, pack.id),
        verified: without(s.verified, pack.id),
        failures: error
          ? error.code === 'CANCELLED'
            ? without(s.failures, pack.id)
            : { ...s.failures, [pack.id]: { code: error.code, message: error.message } }
          : without(s.failures, pack.id),
      }));
    },
  };
});
