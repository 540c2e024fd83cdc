/**
 * Updates, behind an interface. Timbre never contacts an update server on its own unless the user turned on
 * automatic checks: the default is a check only when the user asks ("Check for Updates…"). Downloads are never
 * automatic either. Builds are signed and electron-updater verifies what it downloads (see docs/electron.md).
 *
 * The engine is electron-updater's `autoUpdater`, injected by main.ts; tests pass a fake.
 */
import type { AppUpdater, UpdateInfo } from 'electron-updater';
import type { Policy } from '../../preload/contract/index.js';

export type UpdaterEngine = Pick<
  AppUpdater,
  | 'autoDownload'
  | 'autoInstallOnAppQuit'
  | 'autoRunAppAfterInstall'
  | 'allowPrerelease'
  | 'allowDowngrade'
  | 'checkForUpdates'
  | 'downloadUpdate'
  | 'quitAndInstall'
  | 'on'
  | 'off'
>;

export type UpdateStatus =
  | { state: 'disabled'; reason: string }
  | { state: 'idle' }
  | { state: 'checking' }
  | { state: 'available'; version: string; releaseDate?: string }
  | { state: 'not-available'; version: string }
  | { state: 'downloading'; percent: number }
  | { state: 'downloaded'; version: string }
  | { state: 'error'; message: string };

export interface ShellUpdater {
  readonly status: UpdateStatus;
  /** At startup: checks only when the user enabled automatic checks (and updates are enabled at all). */
  start(): Promise<void>;
  /** Explicit user action only ("Check for Updates…"). Resolves with the resulting status. */
  checkForUpdates(): Promise<UpdateStatus>;
  /** Explicit user action only, after an update was found. */
  downloadUpdate(): Promise<UpdateStatus>;
  /** Explicit user action only, after a download: quits, installs and relaunches. */
  quitAndInstall(): void;
  onStatus(listener: (status: UpdateStatus) => void): () => void;
  dispose(): void;
}

export interface UpdaterOptions {
  /** null when updates are not possible (unpackaged run) or disabled by policy. */
  engine: UpdaterEngine | null;
  /** Why updates are off when `engine` is null (shown in the UI). */
  disabledReason?: string;
  /** The user's setting "Check for updates automatically" (default off). Read at start. */
  autoCheckEnabled: () => boolean | Promise<boolean>;
  log?: (message: string) => void;
  /** The privacy ledger: each check or download the updater starts (it makes network requests). */
  onNetwork?: (why: 'update check' | 'update download') => void;
}

/** Policy switch for managed deployments that update through their own software distribution. */
export function updatesDisabledByPolicy(env: NodeJS.ProcessEnv, policy: Policy = {}): boolean {
  return (
    env.TIMBRE_DISABLE_UPDATES === '1' || env.TIMBRE_DISABLE_UPDATES === 'true' || policy.updates?.enabled === false
  );
}

/** What a managed policy says about the update engine: the channel (beta allows prereleases) and an internal feed. */
export function updateEngineSettings(policy: Policy = {}): {
  channel: 'stable' | 'beta';
  allowPrerelease: boolean;
  feed: { provider: 'generic'; url: string } | null;
} {
  const channel = policy.updates?.channel ?? 'stable';
  return {
    channel,
    allowPrerelease: channel === 'beta',
    feed: policy.updates?.feedUrl ? { provider: 'generic', url: policy.updates.feedUrl } : null,
  };
}

export function createUpdater(opts: UpdaterOptions): ShellUpdater {
  const listeners = new Set<(s: UpdateStatus) => void>();
  const log = opts.log ?? (() => {});
  const engine = opts.engine;
  let status: UpdateStatus = engine
    ? { state: 'idle' }
    : { state: 'disabled', reason: opts.disabledReason ?? 'Updates are disabled.' };
  let inFlight: Promise<UpdateStatus> | null = null;

  const set = (next: UpdateStatus) => {
    status = next;
    for (const l of listeners) {
      try {
        l(next);
      } catch (err) {
        log(`update status listener failed: ${String(err)}`);
      }
    }
  };

  const handlers = {
    'checking-for-update': () => set({ state: 'checking' }),
    'update-available': (info: UpdateInfo) =>
      set({ state: 'available', version: info.version, releaseDate: info.releaseDate }),
    'update-not-available': (info: UpdateInfo) => set({ state: 'not-available', version: info.version }),
    'download-progress': (p: { percent: number }) => set({ state: 'downloading', percent: p.percent }),
    'update-downloaded': (info: UpdateInfo) => set({ state: 'downloaded', version: info.version }),
    error: (err: Error) => set({ state: 'error', message: err.message }),
  };

  if (engine) {
    // Nothing happens behind the user's back: no automatic download; a downloaded update installs on quit
    // (the user chose to download it); never a prerelease or a downgrade from the feed.
    engine.autoDownload = false;
    engine.autoInstallOnAppQuit = true;
    engine.autoRunAppAfterInstall = true;
    engine.allowPrerelease = false;
    engine.allowDowngrade = false;
    engine.on('checking-for-update', handlers['checking-for-update']);
    engine.on('update-available', handlers['update-available']);
    engine.on('update-not-available', handlers['update-not-available']);
    engine.on('download-progress', handlers['download-progress']);
    engine.on('update-downloaded', handlers['update-downloaded']);
    engine.on('error', handlers.error);
  }

  const once = (work: () => Promise<unknown>): Promise<UpdateStatus> => {
    if (inFlight) return inFlight;
    inFlight = work()
      .catch((err: unknown) => set({ state: 'error', message: err instanceof Error ? err.message : String(err) }))
      .then(() => status)
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };

  return {
    get status() {
      return status;
    },
    async start() {
      if (!engine) return;
      let auto = false;
      try {
        auto = await opts.autoCheckEnabled();
      } catch (err) {
        log(`cannot read the update preference: ${String(err)}`);
      }
      if (auto) await this.checkForUpdates();
    },
    checkForUpdates() {
      if (!engine) return Promise.resolve(status);
      return once(() => {
        opts.onNetwork?.('update check');
        return engine.checkForUpdates();
      });
    },
    downloadUpdate() {
      if (!engine || status.state !== 'available') return Promise.resolve(status);
      return once(() => {
        opts.onNetwork?.('update download');
        return engine.downloadUpdate();
      });
    },
    quitAndInstall() {
      if (engine && status.state === 'downloaded') engine.quitAndInstall(false, true);
    },
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose() {
      listeners.clear();
      if (!engine) return;
      engine.off('checking-for-update', handlers['checking-for-update']);
      engine.off('update-available', handlers['update-available']);
      engine.off('update-not-available', handlers['update-not-available']);
      engine.off('download-progress', handlers['download-progress']);
      engine.off('update-downloaded', handlers['update-downloaded']);
      engine.off('error', handlers.error);
    },
  };
}
