/**
 * Electron entry point (bundled to dist/electron/main.js, ESM). Wires the pieces in this folder together; the
 * pieces themselves are unit-tested with fakes (tests/unit/electron-*.test.ts).
 *
 * Order matters: data dir and single-instance lock first, privileged schemes before `ready`, session hardening
 * and protocol handlers before the first window loads.
 */
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell } from 'electron';
import electronUpdater from 'electron-updater';
import { createCore, type Core } from '../node/core.js';
import { appRoot, appVersion, rendererDir } from '../node/app-root.js';
import { resolveDataDir } from '../node/paths.js';
import { dataDirFlag } from './args.js';
import { registerIpc } from './ipc.js';
import { createMediaHandler } from './media.js';
import { menuTemplate } from './menu.js';
import { APP_ENTRY_URL, APP_SCHEME, MEDIA_SCHEME } from './origin.js';
import { hardenSession, hardenWebContents, isAllowedExternalUrl } from './security.js';
import { readShellPrefs, writeShellPrefs } from './shell-prefs.js';
import { createUpdater, updateSettings, type ShellUpdater } from './updater.js';
import { instrumentUpdateExecutor, type UpdateWhy } from '../node/updates/update-http.js';
import { shellUpdateService } from '../node/updates/update-service.js';
import { currentPolicy } from '../node/policy/policy.js';
import { createAppProtocolHandler, mainWindowOptions, PRIVILEGED_SCHEMES } from './window.js';

const HOMEPAGE_URL = 'https://timbre.app/';
const DOCS_URL = 'https://timbre.app/docs/';
const QUIT_TIMEOUT_MS = 10_000;

const devTools = !app.isPackaged;
const log = (msg: string) => process.stderr.write(`[timbre] ${msg}\n`);

// --- Before ready -----------------------------------------------------------------------------------------------

// Data dir: --data-dir wins, then TIMBRE_DATA_DIR, then Electron's per-user default. The core's data lives at the
// root of userData; Chromium's own caches go to a subfolder so they never mix with projects and takes.
// A managed policy that cannot be read or does not validate stops the app with the reason (fail closed).
let dataDir: string;
try {
  dataDir = resolveDataDir(dataDirFlag(process.argv), app.getPath('userData'));
} catch (err) {
  dialog.showErrorBox('Timbre cannot start', err instanceof Error ? err.message : String(err));
  process.exit(1);
}
app.setPath('userData', dataDir);
app.setPath('sessionData', path.join(dataDir, 'chromium'));

// The lock is keyed on userData, so two instances with different data dirs may run side by side.
const primary = app.requestSingleInstanceLock();
if (!primary) {
  app.quit();
} else {
  app.enableSandbox();
  protocol.registerSchemesAsPrivileged(PRIVILEGED_SCHEMES);
  app.on('web-contents-created', (_event, contents) =>
    hardenWebContents(contents, {
      openExternal: (url) => shell.openExternal(url),
      allowDevTools: devTools,
      onBlocked: (what, url) => log(`blocked ${what}${url ? `: ${url}` : ''}`),
    }),
  );
  void main().catch((err: unknown) => {
    log(`startup failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    dialog.showErrorBox('Timbre could not start', err instanceof Error ? err.message : String(err));
    app.exit(1);
  });
}

// --- After ready ------------------------------------------------------------------------------------------------

let mainWindow: BrowserWindow | null = null;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow(
    mainWindowOptions({ preloadPath: path.join(appRoot(), 'dist', 'electron', 'preload.cjs'), devTools }),
  );
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  win
    .loadURL(APP_ENTRY_URL)
    .catch((err: unknown) => console.error(`timbre: cannot load the studio page: ${String(err)}`));
  return win;
}

function focusMainWindow() {
  if (!mainWindow) {
    mainWindow = createWindow();
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
}

async function userCheckForUpdates(updater: ShellUpdater) {
  const parent = mainWindow ?? undefined;
  const show = (options: Electron.MessageBoxOptions) =>
    parent ? dialog.showMessageBox(parent, options) : dialog.showMessageBox(options);
  const status = await updater.checkForUpdates();
  if (status.state === 'disabled') {
    await show({ type: 'info', message: 'Updates are turned off', detail: status.reason });
  } else if (status.state === 'not-available') {
    await show({ type: 'info', message: 'Timbre is up to date', detail: `Version ${app.getVersion()}` });
  } else if (status.state === 'error') {
    await show({ type: 'warning', message: 'Could not check for updates', detail: status.message });
  } else if (status.state === 'available') {
    const { response } = await show({
      type: 'info',
      message: `Timbre ${status.version} is available`,
      detail: 'Download it now? It installs when you restart Timbre.',
      buttons: ['Download', 'Later'],
      defaultId: 0,
      cancelId: 1,
    });
    if (response !== 0) return;
    const after = await updater.downloadUpdate();
    if (after.state === 'error') {
      await show({ type: 'warning', message: 'The update could not be downloaded', detail: after.message });
      return;
    }
    if (after.state !== 'downloaded') return;
    const restart = await show({
      type: 'info',
      message: `Timbre ${after.version} is ready to install`,
      buttons: ['Restart Now', 'Later'],
      defaultId: 0,
      cancelId: 1,
    });
    if (restart.response === 0) updater.quitAndInstall();
  }
}

async function main() {
  await app.whenReady();

  hardenSession(session.defaultSession, { allowDevTools: devTools });
  protocol.handle(APP_SCHEME, createAppProtocolHandler(rendererDir()));

  const core: Core = await createCore({
    dataDir,
    transport: 'electron',
    version: appVersion(),
    log,
    revealFile: (file) => shell.showItemInFolder(file),
  });
  protocol.handle(MEDIA_SCHEME, createMediaHandler(core));
  const disposeIpc = registerIpc({
    ipcMain,
    core,
    getTargets: () => BrowserWindow.getAllWindows().map((w) => w.webContents),
  });

  // Updates (docs/electron.md): the policy decides whether and from where; every request electron-updater makes
  // goes to the privacy ledger (host, bytes, why) and carries no per-install id.
  const settings = updateSettings(currentPolicy(), process.env);
  const engine = app.isPackaged && settings.enabled ? electronUpdater.autoUpdater : null;
  const purpose: { why: UpdateWhy } = { why: 'update check' };
  if (engine)
    instrumentUpdateExecutor((engine as unknown as { httpExecutor: object }).httpExecutor, {
      ledger: core.ledger,
      why: () => purpose.why,
    });
  const updater = createUpdater({
    engine,
    disabledReason: settings.disabledReason ?? 'Updates are only available in installed builds.',
    disabledByPolicy: settings.byPolicy,
    channel: settings.channel,
    feedUrl: settings.feedUrl,
    autoCheckEnabled: () => readShellPrefs(dataDir).autoCheckUpdates,
    log,
    onNetwork: (why) => (purpose.why = why),
  });
  core.setUpdates(shellUpdateService(updater, settings, app.getVersion()));
  updater.onStatus((s) => {
    if (s.state === 'downloading') mainWindow?.setProgressBar(s.percent / 100);
    else mainWindow?.setProgressBar(-1);
  });

  const setMenu = () =>
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        menuTemplate(
          {
            platform: process.platform,
            devTools,
            autoCheckUpdates: readShellPrefs(dataDir).autoCheckUpdates,
            updatesEnabled: updater.status.state !== 'disabled',
          },
          {
            checkForUpdates: () => void userCheckForUpdates(updater).catch((e: unknown) => log(String(e))),
            setAutoCheckUpdates: (enabled) => {
              writeShellPrefs(dataDir, { ...readShellPrefs(dataDir), autoCheckUpdates: enabled });
              setMenu();
            },
            openHomepage: () => void (isAllowedExternalUrl(HOMEPAGE_URL) && shell.openExternal(HOMEPAGE_URL)),
            openDocs: () => void (isAllowedExternalUrl(DOCS_URL) && shell.openExternal(DOCS_URL)),
          },
        ),
      ),
    );
  setMenu();

  app.on('second-instance', () => focusMainWindow());
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  // Graceful quit: hold the quit until the core has finished its writes and stopped its workers.
  let closed = false;
  app.on('will-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    closed = true;
    updater.dispose();
    disposeIpc();
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, QUIT_TIMEOUT_MS).unref());
    void Promise.race([core.close(), timeout])
      .catch((err: unknown) => log(`error while closing: ${String(err)}`))
      .finally(() => app.quit());
  });

  mainWindow = createWindow();
  void updater.start();
}
