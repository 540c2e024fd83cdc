/**
 * Boots the real entry point (main/electron-main/main.ts) against a fake `electron` module and a real core in a
 * temporary data dir: checks the startup order, the wiring of window, protocols, IPC and events, and the
 * graceful quit. The Electron binary is not needed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IpcMainInvokeEvent } from 'electron';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const fake = vi.hoisted(() => {
  type Fn = (...args: unknown[]) => unknown;
  const log: string[] = [];
  const appListeners = new Map<string, Fn[]>();
  const ipcHandlers = new Map<string, Fn>();
  const protocolHandlers = new Map<string, (r: Request) => Promise<Response>>();
  const windows: FakeWindow[] = [];
  const paths = new Map<string, string>([['userData', '/nonexistent/default-user-data']]);
  let readyResolve: () => void = () => {};
  const ready = new Promise<void>((r) => (readyResolve = r));

  class FakeWindow {
    options: unknown;
    loaded: string | null = null;
    listeners = new Map<string, Fn[]>();
    webContents = { send: vi.fn(), isDestroyed: () => false, getURL: () => this.loaded ?? '' };
    constructor(options: unknown) {
      log.push('BrowserWindow');
      this.options = options;
      windows.push(this);
    }
    once(e: string, l: Fn) {
      return this.on(e, l);
    }
    on(e: string, l: Fn) {
      this.listeners.set(e, [...(this.listeners.get(e) ?? []), l]);
      return this;
    }
    loadURL(url: string) {
      this.loaded = url;
      return Promise.resolve();
    }
    show() {}
    isMinimized() {
      return false;
    }
    restore() {}
    focus() {}
    setProgressBar() {}
    static getAllWindows() {
      return windows;
    }
  }

  const sessionCalls: string[] = [];
  const rec = (name: string) => () => void sessionCalls.push(name);
  const electron = {
    app: {
      isPackaged: false,
      getPath: (n: string) => paths.get(n) ?? `/nonexistent/${n}`,
      setPath: (n: string, p: string) => {
        log.push(`setPath:${n}`);
        paths.set(n, p);
      },
      requestSingleInstanceLock: () => {
        log.push('lock');
        return true;
      },
      enableSandbox: () => log.push('enableSandbox'),
      on: (e: string, l: Fn) => {
        appListeners.set(e, [...(appListeners.get(e) ?? []), l]);
      },
      whenReady: () => ready,
      quit: vi.fn(() => log.push('quit')),
      exit: vi.fn((code: number) => log.push(`exit:${code}`)),
      getVersion: () => '0.0.0-test',
    },
    BrowserWindow: FakeWindow,
    dialog: { showErrorBox: vi.fn(), showMessageBox: vi.fn(async () => ({ response: 1 })) },
    ipcMain: {
      handle: (c: string, h: Fn) => void ipcHandlers.set(c, h),
      removeHandler: (c: string) => void ipcHandlers.delete(c),
    },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: vi.fn() },
    protocol: {
      registerSchemesAsPrivileged: (s: unknown) => log.push(`registerSchemes:${JSON.stringify(s).length > 0}`),
      handle: (scheme: string, h: (r: Request) => Promise<Response>) => {
        log.push(`handle:${scheme}`);
        protocolHandlers.set(scheme, h);
      },
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: rec('setPermissionRequestHandler'),
        setPermissionCheckHandler: rec('setPermissionCheckHandler'),
        setDevicePermissionHandler: rec('setDevicePermissionHandler'),
        setDisplayMediaRequestHandler: rec('setDisplayMediaRequestHandler'),
        setSpellCheckerEnabled: rec('setSpellCheckerEnabled'),
        webRequest: { onBeforeRequest: rec('onBeforeRequest'), onHeadersReceived: rec('onHeadersReceived') },
      },
    },
    shell: { openExternal: vi.fn(async () => {}) },
  };
  return { electron, log, appListeners, ipcHandlers, protocolHandlers, windows, paths, sessionCalls, readyResolve };
});

vi.mock('electron', () => fake.electron);
vi.mock('electron-updater', () => ({ default: { autoUpdater: { never: 'used when unpackaged' } } }));

const appFrame = { senderFrame: { url: 'app://timbre/index.html' } } as unknown as IpcMainInvokeEvent;
let dataDir: string;
const savedEnv = process.env.TIMBRE_DATA_DIR;

async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'timbre-shell-'));
  process.env.TIMBRE_DATA_DIR = dataDir;
  await import('../../main/electron-main/main.js');
  fake.log.push('ready');
  fake.readyResolve();
  await until(() => fake.windows.length > 0, 'the main window');
});

afterAll(() => {
  if (savedEnv === undefined) delete process.env.TIMBRE_DATA_DIR;
  else process.env.TIMBRE_DATA_DIR = savedEnv;
  rmSync(dataDir, { recursive: true, force: true });
});

describe('main.ts wiring', () => {
  it('sets the data dir, takes the lock, enables the sandbox and registers schemes before ready', () => {
    const ready = fake.log.indexOf('ready');
    for (const step of ['setPath:userData', 'setPath:sessionData', 'lock', 'enableSandbox', 'registerSchemes:true'])
      expect(fake.log.indexOf(step), step).toBeGreaterThanOrEqual(0);
    for (const step of ['setPath:userData', 'lock', 'enableSandbox', 'registerSchemes:true'])
      expect(fake.log.indexOf(step), step).toBeLessThan(ready);
    expect(fake.paths.get('userData')).toBe(dataDir);
    expect(fake.paths.get('sessionData')).toBe(path.join(dataDir, 'chromium'));
  });

  it('hardens the session and registers both protocols before the window loads', () => {
    expect(fake.sessionCalls).toEqual(
      expect.arrayContaining(['setPermissionRequestHandler', 'setPermissionCheckHandler', 'onBeforeRequest']),
    );
    expect(fake.log.indexOf('handle:app')).toBeLessThan(fake.log.indexOf('BrowserWindow'));
    expect(fake.log.indexOf('handle:timbre-media')).toBeLessThan(fake.log.indexOf('BrowserWindow'));
    expect(fake.appListeners.has('web-contents-created')).toBe(true);
  });

  it('opens one secure window on app://timbre/index.html with the bundled preload', () => {
    const [win] = fake.windows;
    expect(win.loaded).toBe('app://timbre/index.html');
    expect(win.options).toMatchObject({
      webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false, devTools: true },
    });
    const prefs = (win.options as { webPreferences: { preload: string } }).webPreferences;
    expect(prefs.preload.endsWith(path.join('dist', 'electron', 'preload.cjs'))).toBe(true);
  });

  it('answers RPC from the app frame with the real core, and forwards core events to the window', async () => {
    const rpc = fake.ipcHandlers.get('timbre:rpc')!;
    const info = (await rpc(appFrame, 'app.info', {})) as { ok: boolean; result: { dataDir: string } };
    expect(info).toMatchObject({ ok: true, result: { transport: 'electron', dataDir } });
    const created = await rpc(appFrame, 'projects.create', { name: 'Shell test' });
    expect(created).toMatchObject({ ok: true, result: { name: 'Shell test' } });
    expect(fake.windows[0].webContents.send).toHaveBeenCalledWith('timbre:event', {
      event: 'projects.changed',
      payload: {},
    });
    const bad = await rpc(appFrame, 'projects.create', { name: '' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const foreign = { senderFrame: { url: 'https://evil.example/' } } as unknown as IpcMainInvokeEvent;
    expect(await rpc(foreign, 'app.info', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('serves media through the core (unknown take: 404)', async () => {
    const media = fake.protocolHandlers.get('timbre-media')!;
    expect((await media(new Request('timbre-media://takes/take_missing.wav'))).status).toBe(404);
  });

  it('holds the quit until the core is closed, then quits', async () => {
    const [willQuit] = fake.appListeners.get('will-quit')!;
    const event = { preventDefault: vi.fn() };
    willQuit(event);
    expect(event.preventDefault).toHaveBeenCalled();
    await until(() => fake.electron.app.quit.mock.calls.length > 0, 'app.quit after core.close');
    // a second will-quit (from that app.quit) goes through
    const again = { preventDefault: vi.fn() };
    willQuit(again);
    expect(again.preventDefault).not.toHaveBeenCalled();
    expect(fake.ipcHandlers.has('timbre:rpc')).toBe(false);
  });
});
