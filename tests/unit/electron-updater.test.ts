import { EventEmitter } from 'node:events';
import type { UpdateCheckResult } from 'electron-updater';
import { describe, expect, it, vi } from 'vitest';
import {
  createUpdater,
  updatesDisabledByPolicy,
  type UpdaterEngine,
  type UpdateStatus,
} from '../../main/electron-main/updater.js';

/** An electron-updater stand-in that emits the same events. */
function fakeEngine(opts: { available?: string | null; fail?: string } = {}) {
  const emitter = new EventEmitter();
  const engine = Object.assign(emitter, {
    autoDownload: true,
    autoInstallOnAppQuit: false,
    autoRunAppAfterInstall: false,
    allowPrerelease: true,
    allowDowngrade: true,
    checkForUpdates: vi.fn(async () => {
      emitter.emit('checking-for-update');
      if (opts.fail) {
        emitter.emit('error', new Error(opts.fail));
        throw new Error(opts.fail);
      }
      const version = opts.available ?? '0.1.0';
      emitter.emit(opts.available ? 'update-available' : 'update-not-available', { version, releaseDate: 'today' });
      return { isUpdateAvailable: !!opts.available } as unknown as UpdateCheckResult;
    }),
    downloadUpdate: vi.fn(async () => {
      emitter.emit('download-progress', { percent: 50 });
      emitter.emit('update-downloaded', { version: opts.available, downloadedFile: '/tmp/x' });
      return ['/tmp/x'];
    }),
    quitAndInstall: vi.fn(),
  });
  return engine as typeof engine & UpdaterEngine;
}

describe('updater', () => {
  it('configures electron-updater for user-driven updates: no auto download, no prerelease or downgrade', () => {
    const engine = fakeEngine();
    createUpdater({ engine, autoCheckEnabled: () => false });
    expect(engine.autoDownload).toBe(false);
    expect(engine.allowPrerelease).toBe(false);
    expect(engine.allowDowngrade).toBe(false);
  });

  it('does not contact the server at start unless the user enabled automatic checks', async () => {
    const off = fakeEngine();
    await createUpdater({ engine: off, autoCheckEnabled: () => false }).start();
    expect(off.checkForUpdates).not.toHaveBeenCalled();

    const on = fakeEngine();
    await createUpdater({ engine: on, autoCheckEnabled: async () => true }).start();
    expect(on.checkForUpdates).toHaveBeenCalledTimes(1);

    const unreadable = fakeEngine();
    await createUpdater({
      engine: unreadable,
      autoCheckEnabled: () => {
        throw new Error('corrupt');
      },
    }).start();
    expect(unreadable.checkForUpdates).not.toHaveBeenCalled();
  });

  it('reports status events through a user-initiated check, download and install', async () => {
    const engine = fakeEngine({ available: '0.2.0' });
    const updater = createUpdater({ engine, autoCheckEnabled: () => false });
    const seen: UpdateStatus['state'][] = [];
    updater.onStatus((s) => seen.push(s.state));
    expect(updater.status).toEqual({ state: 'idle' });

    updater.quitAndInstall(); // nothing downloaded yet: ignored
    expect(engine.quitAndInstall).not.toHaveBeenCalled();

    expect(await updater.checkForUpdates()).toMatchObject({ state: 'available', version: '0.2.0' });
    expect(engine.downloadUpdate).not.toHaveBeenCalled();
    expect(await updater.downloadUpdate()).toEqual({ state: 'downloaded', version: '0.2.0' });
    updater.quitAndInstall();
    expect(engine.quitAndInstall).toHaveBeenCalledTimes(1);
    expect(seen).toEqual(['checking', 'available', 'downloading', 'downloading', 'downloaded']);
  });

  it('coalesces concurrent checks and reports errors as a status', async () => {
    const engine = fakeEngine({ fail: 'net::ERR_NAME_NOT_RESOLVED' });
    const updater = createUpdater({ engine, autoCheckEnabled: () => false });
    const [a, b] = await Promise.all([updater.checkForUpdates(), updater.checkForUpdates()]);
    expect(engine.checkForUpdates).toHaveBeenCalledTimes(1);
    expect(a).toEqual({ state: 'error', message: 'net::ERR_NAME_NOT_RESOLVED' });
    expect(b).toBe(a);
  });

  it('is inert without an engine (unpackaged or disabled by policy)', async () => {
    const updater = createUpdater({ engine: null, disabledReason: 'managed', autoCheckEnabled: () => true });
    await updater.start();
    expect(await updater.checkForUpdates()).toEqual({ state: 'disabled', reason: 'managed', byPolicy: false });
    expect(updatesDisabledByPolicy({ TIMBRE_DISABLE_UPDATES: '1' })).toBe(true);
    expect(updatesDisabledByPolicy({})).toBe(false);
  });

  it('dispose removes its listeners from the engine', () => {
    const engine = fakeEngine();
    const updater = createUpdater({ engine, autoCheckEnabled: () => false });
    expect(engine.listenerCount('update-available')).toBe(1);
    updater.dispose();
    expect(engine.eventNames()).toEqual([]);
  });

  it('tells the privacy ledger of each check and download it makes, and of nothing else (#13)', async () => {
    const engine = fakeEngine({ available: '9.9.9' });
    const seen: string[] = [];
    const u = createUpdater({ engine, autoCheckEnabled: () => false, onNetwork: (why) => seen.push(why) });
    await u.start();
    expect(seen).toEqual([]);
    await u.checkForUpdates();
    await u.downloadUpdate();
    expect(seen).toEqual(['update check', 'update download']);
    expect(engine.checkForUpdates).toHaveBeenCalledTimes(1);
    expect(engine.downloadUpdate).toHaveBeenCalledTimes(1);
  });
});
