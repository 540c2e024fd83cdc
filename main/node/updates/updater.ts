/**
 * Updates, behind an interface (issue #13; docs/electron.md "Updates"). Timbre never contacts an update server on its
 * own unless the user turned on automatic checks: the default is a check only when the user asks ("Check for
 * Updates…", or Settings → Updates). Downloads are never automatic either. What electron-updater downloads is
 * checked against the sha512 in the channel file (and on Windows the publisher's signature) before it can install.
 *
 * Plain Node: the engine is electron-updater's `autoUpdater` in the desktop shell (main.ts), and `NodeFeedUpdater`
 * (feed-updater.ts, electron-updater's own AppUpdater over Node's http) in tests and the web server's test feed.
 */
import type { AppUpdater, UpdateInfo } from 'electron-updater';
import type { Policy, PolicyInfo, UpdateChannel, UpdateStatus } from '../../../preload/contract/index.js';

export type { UpdateStatus };

export type UpdaterEngine = Pick<
  AppUpdater,
  | 'autoDownload'
  | 'autoInstallOnAppQuit'
  | 'autoRunAppAfterInstall'
  | 'allowPrerelease'
  | 'allowDowngrade'
  | 'channel'
  | 'setFeedURL'
  | 'checkForUpdates'
  | 'downloadUpdate'
  | 'quitAndInstall'
  | 'on'
  | 'off'
>;

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
  /** Updates are off because the organisation said so (the UI shows "Set by your organization"). */
  disabledByPolicy?: boolean;
  /** The channel (stable: `latest*.yml`; beta: `beta*.yml`) and an internal feed, from `updateSettings`. */
  channel?: UpdateChannel;
  feedUrl?: string | null;
  /** The user's setting "Check for updates automatically" (default off). Read at start. */
  autoCheckEnabled: () => boolean | Promise<boolean>;
  log?: (message: string) => void;
  /**
   * Called before the updater makes network requests and why (the privacy ledger's `why`: the requests themselves,
   * with host and bytes, are recorded by `instrumentUpdateExecutor`).
   */
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

/** Everything that decides whether Timbre may check for updates at all, and where from. */
export interface UpdateSettings {
  enabled: boolean;
  /** Why not, when `enabled` is false. */
  disabledReason: string | null;
  /** Off because of the organisation (policy file or TIMBRE_DISABLE_UPDATES in the machine's environment). */
  byPolicy: boolean;
  channel: UpdateChannel;
  channelFixed: boolean;
  feedUrl: string | null;
  /** The policy file when it says anything about updates. */
  policySource: string | null;
}

/**
 * The update settings in force: the policy wins (off, channel, feed), then the machine environment
 * (TIMBRE_DISABLE_UPDATES), then the user's channel choice (stable unless they chose beta).
 */
export function updateSettings(
  info: PolicyInfo,
  env: NodeJS.ProcessEnv = process.env,
  userChannel: UpdateChannel = 'stable',
): UpdateSettings {
  const u = info.policy.updates;
  const where = `set by your organization (policy ${info.source ?? 'file'})`;
  const envOff = env.TIMBRE_DISABLE_UPDATES === '1' || env.TIMBRE_DISABLE_UPDATES === 'true';
  const policyOff = u?.enabled === false;
  return {
    enabled: !policyOff && !envOff,
    disabledReason: policyOff
      ? `Updates are turned off: ${where}. Your organization installs new versions.`
      : envOff
        ? 'Updates are turned off on this computer (TIMBRE_DISABLE_UPDATES): your organization installs new versions.'
        : null,
    byPolicy: policyOff || envOff,
    channel: u?.channel ?? userChannel,
    channelFixed: u?.channel !== undefined || policyOff,
    feedUrl: u?.feedUrl ?? null,
    policySource: u ? info.source : null,
  };
}

/**
 * Set up an electron-updater engine for user-driven updates. Order matters: electron-updater's `channel` setter turns
 * `allowDowngrade` on, so it is turned off after. The stable channel is electron-updater's default (`latest*.yml`);
 * beta reads `beta*.yml`, which electron-builder writes for beta versions and, with
 * `generateUpdatesFilesForAllChannels`, for stable ones too (a beta user always gets the newest of both).
 */
export function configureUpdateEngine(
  engine: UpdaterEngine,
  s: { channel?: UpdateChannel; feedUrl?: string | null },
): void {
  // Nothing happens behind the user's back: no automatic download; a downloaded update installs on quit
  // (the user chose to download it); never a downgrade from the feed.
  engine.autoDownload = false;
  engine.autoInstallOnAppQuit = true;
  engine.autoRunAppAfterInstall = true;
  if (s.channel === 'beta') engine.channel = 'beta';
  engine.allowPrerelease = s.channel === 'beta';
  engine.allowDowngrade = false;
  if (s.feedUrl) engine.setFeedURL({ provider: 'generic', url: s.feedUrl });
}

/** electron-updater's errors in words a user can act on (its own message stays in the log). */
export function updateErrorMessage(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ERR_CHECKSUM_MISMATCH')
    return 'The downloaded update does not match the checksum (sha512) published with it: it was not installed. The download was damaged or changed on the way; try again later, or tell whoever runs the update server.';
  if (code === 'ERR_UPDATER_CHANNEL_FILE_NOT_FOUND')
    return `The update server has no update information for this channel: ${message.split('\n')[0]}`;
  if (code === 'ERR_UPDATER_INVALID_VERSION' || code === 'ERR_UPDATER_INVALID_UPDATE_INFO')
    return `The update server sent update information Timbre cannot read: ${message.split('\n')[0]}`;
  return message.split('\n')[0] ?? message;
}

export function createUpdater(opts: UpdaterOptions): ShellUpdater {
  const listeners = new Set<(s: UpdateStatus) => void>();
  const log = opts.log ?? (() => {});
  const engine = opts.engine;
  let status: UpdateStatus = engine
    ? { state: 'idle' }
    : {
        state: 'disabled',
        reason: opts.disabledReason ?? 'Updates are disabled.',
        byPolicy: opts.disabledByPolicy === true,
      };
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
    'download-progress': (p: { percent: number }) =>
      set({ state: 'downloading', percent: Math.max(0, Math.min(100, Number.isFinite(p.percent) ? p.percent : 0)) }),
    'update-downloaded': (info: UpdateInfo) => set({ state: 'downloaded', version: info.version }),
    error: (err: Error) => set({ state: 'error', message: updateErrorMessage(err) }),
  };

  if (engine) {
    configureUpdateEngine(engine, { channel: opts.channel, feedUrl: opts.feedUrl });
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
      .catch((err: unknown) => set({ state: 'error', message: updateErrorMessage(err) }))
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
        set({ state: 'downloading', percent: 0 });
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
