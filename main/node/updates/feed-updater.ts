/**
 * electron-updater's own update logic, run in plain Node (issue #13). `NodeFeedUpdater` is electron-updater's
 * `AppUpdater` (the class every platform updater extends) with a Node app adapter and Node's http instead of
 * Electron's: the channel file, the staged rollout, the version comparison, the download cache and the sha512 check
 * of the downloaded installer are electron-updater's code, unchanged. Only installing is not here (that is the
 * platform updaters' job, NSIS/Squirrel.Mac/AppImage/deb, which need the Electron binary and the OS installer).
 *
 * Used by the tests (a real local HTTP feed) and by `timbre serve` when a test gives it a feed
 * (`TIMBRE_TEST_UPDATE_FEED`, so the Settings → Updates panel can be driven end to end in a browser).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import electronUpdater from 'electron-updater';
import type { DownloadExecutorResult, DownloadUpdateOptions } from 'electron-updater/out/AppUpdater.js';
import type { PolicyInfo } from '../../../preload/contract/index.js';
import type { LedgerSink } from '../privacy/ledger.js';
import { desktopOnlyUpdates, shellUpdateService, type UpdateService } from './update-service.js';
import { createUpdater, updateSettings } from './updater.js';
import { instrumentUpdateExecutor, NodeUpdateHttpExecutor, type UpdateWhy } from './update-http.js';

const { AppUpdater } = electronUpdater;

export interface NodeFeedUpdaterOptions {
  /** The running version (semver). */
  version: string;
  /** Where the per-install staging id lives (`.updaterId`, as in the desktop app's data folder). */
  userDataPath: string;
  /** Where downloads are kept (`<cacheDir>/timbre-updater/pending/…`). */
  cacheDir: string;
  /** The generic feed: a folder URL with `latest*.yml`/`beta*.yml` and the installers. */
  feedUrl: string;
  /** Requests are written here (host, bytes, why). */
  ledger: LedgerSink;
  /** Why the next requests are made (set by the ShellUpdater's onNetwork). */
  why: () => UpdateWhy;
  /** The platform whose channel file is read (`latest.yml` on win32, `latest-linux.yml`, `latest-mac.yml`). */
  platform?: NodeJS.Platform;
}

const CACHE_DIR_NAME = 'timbre-updater';

export class NodeFeedUpdater extends AppUpdater {
  private readonly platform: NodeJS.Platform;

  constructor(opts: NodeFeedUpdaterOptions) {
    // electron-updater reads app-update.yml for the download cache's folder name, as in an installed app.
    mkdirSync(opts.cacheDir, { recursive: true });
    const configFile = path.join(opts.cacheDir, 'app-update.yml');
    writeFileSync(
      configFile,
      `provider: generic\nurl: ${JSON.stringify(opts.feedUrl)}\nupdaterCacheDirName: ${CACHE_DIR_NAME}\n`,
    );
    super(null, {
      version: opts.version,
      name: 'Timbre',
      isPackaged: true,
      appUpdateConfigPath: configFile,
      userDataPath: opts.userDataPath,
      baseCachePath: opts.cacheDir,
      whenReady: () => Promise.resolve(),
      relaunch: () => undefined,
      quit: () => undefined,
      onQuit: () => undefined,
    });
    this.platform = opts.platform ?? process.platform;
    // The executor must be in place before the provider is created (setFeedURL, or the first check).
    (this as unknown as { httpExecutor: NodeUpdateHttpExecutor }).httpExecutor = instrumentUpdateExecutor(
      new NodeUpdateHttpExecutor(),
      { ledger: opts.ledger, why: opts.why },
    );
    (this as unknown as { _testOnlyOptions: { platform: NodeJS.Platform } })._testOnlyOptions = {
      platform: this.platform,
    };
    this.logger = null;
  }

  /** Download the update's first file to the cache, verified against the channel file's sha512 as it streams. */
  protected doDownloadUpdate(options: DownloadUpdateOptions): Promise<DownloadExecutorResult> {
    const provider = options.updateInfoAndProvider.provider;
    const files = provider.resolveFiles(options.updateInfoAndProvider.info);
    const fileInfo = files[0]!;
    const executor = (this as unknown as { httpExecutor: NodeUpdateHttpExecutor }).httpExecutor;
    return this.executeDownload({
      fileExtension: path.extname(fileInfo.url.pathname).slice(1) || 'bin',
      fileInfo,
      downloadUpdateOptions: options,
      task: async (destination, downloadOptions) => {
        await executor.download(fileInfo.url, destination, downloadOptions);
      },
      done: (event) => {
        this.dispatchUpdateDownloaded(event);
        return Promise.resolve();
      },
    });
  }

  /** Installing needs the desktop app's platform updater: reported as an error, nothing is run. */
  quitAndInstall(): void {
    this.dispatchError(
      new Error('Installing an update needs the Timbre desktop app: this copy of Timbre only checks and downloads.'),
    );
  }
}

/**
 * Updates over the contract from a generic feed, in plain Node: what `timbre serve` uses when a test gives it a feed
 * (TIMBRE_TEST_UPDATE_FEED), so Settings → Updates runs end to end in a browser with electron-updater's real check
 * and download. The policy applies as in the desktop app (off, channel, feed).
 */
export function nodeFeedUpdateService(opts: {
  dataDir: string;
  ledger: LedgerSink;
  version: string;
  feedUrl: string;
  policy: PolicyInfo;
  env?: NodeJS.ProcessEnv;
  log?: (message: string) => void;
}): UpdateService {
  const settings = updateSettings(opts.policy, opts.env ?? process.env);
  if (!settings.enabled) return desktopOnlyUpdates(settings, opts.version);
  const purpose: { why: UpdateWhy } = { why: 'update check' };
  const engine = new NodeFeedUpdater({
    version: opts.version,
    userDataPath: opts.dataDir,
    cacheDir: path.join(opts.dataDir, 'update-cache'),
    feedUrl: opts.feedUrl,
    ledger: opts.ledger,
    why: () => purpose.why,
  });
  const updater = createUpdater({
    engine,
    channel: settings.channel,
    feedUrl: settings.feedUrl,
    autoCheckEnabled: () => false,
    log: opts.log,
    onNetwork: (why) => (purpose.why = why),
  });
  return shellUpdateService(updater, settings, opts.version);
}
