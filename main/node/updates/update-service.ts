/**
 * Updates over the contract (`updates.status` / `check` / `download` / `install` and the `updates.status` event;
 * Settings → Updates in the UI). The desktop shell gives the core a service over its ShellUpdater; everywhere else
 * (web mode, the CLI) the service answers that the desktop app handles updates, or that the policy turned them off.
 */
import type { UpdatesInfo } from '../../../preload/contract/index.js';
import type { ShellUpdater, UpdateSettings } from './updater.js';

export interface UpdateService {
  info(): UpdatesInfo;
  check(): Promise<UpdatesInfo>;
  download(): Promise<UpdatesInfo>;
  install(): UpdatesInfo;
  onChange(listener: (info: UpdatesInfo) => void): () => void;
}

function base(settings: UpdateSettings, version: string): Omit<UpdatesInfo, 'status'> {
  return {
    currentVersion: version,
    channel: settings.channel,
    policySource: settings.policySource,
    channelFixed: settings.channelFixed,
  };
}

/** Web mode and the CLI: nothing to update from inside the app. */
export function desktopOnlyUpdates(settings: UpdateSettings, version: string): UpdateService {
  const info: UpdatesInfo = {
    ...base(settings, version),
    status:
      !settings.enabled && settings.disabledReason
        ? { state: 'disabled', reason: settings.disabledReason, byPolicy: settings.byPolicy }
        : {
            state: 'unsupported',
            reason:
              'Updates are handled by the desktop app. This browser page is served by `timbre serve`: update Timbre the way you installed it.',
          },
  };
  return {
    info: () => info,
    check: () => Promise.resolve(info),
    download: () => Promise.resolve(info),
    install: () => info,
    onChange: () => () => undefined,
  };
}

/** The desktop app (or a test feed): the contract calls drive the ShellUpdater. */
export function shellUpdateService(updater: ShellUpdater, settings: UpdateSettings, version: string): UpdateService {
  const info = (): UpdatesInfo => ({ ...base(settings, version), status: updater.status });
  return {
    info,
    check: async () => {
      await updater.checkForUpdates();
      return info();
    },
    download: async () => {
      await updater.downloadUpdate();
      return info();
    },
    install: () => {
      updater.quitAndInstall();
      return info();
    },
    onChange: (listener) => updater.onStatus(() => listener(info())),
  };
}
