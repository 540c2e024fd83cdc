#!/usr/bin/env node
// `npm start`: installs what is missing, builds, then opens the desktop app. Where the Electron binary is not
// installed (headless servers, machines that cannot download it), it says so and serves the studio in web mode.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const passthrough = process.argv.slice(2);
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status === 0;

if (process.env.TIMBRE_SKIP_INSTALL !== '1' && !run('bash', ['build/scripts/install-deps.sh', '--runtime-only']))
  process.exit(1);
if (!run(process.execPath, ['build/scripts/build.mjs', '--if-missing'])) process.exit(1);

/** The Electron binary's path, or why there is none. */
function electronBinary() {
  try {
    const require = createRequire(path.join(root, 'package.json'));
    const pkgDir = path.dirname(require.resolve('electron/package.json'));
    const pathFile = path.join(pkgDir, 'path.txt');
    if (!existsSync(pathFile))
      return { reason: 'the electron package is installed without its binary (ELECTRON_SKIP_BINARY_DOWNLOAD)' };
    const bin = path.join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(bin) ? { bin } : { reason: `the Electron binary is missing (${bin})` };
  } catch {
    return { reason: 'the electron package is not installed' };
  }
}

const electron = process.env.TIMBRE_WEB === '1' ? { reason: 'TIMBRE_WEB=1 was set' } : electronBinary();
let child;
if (electron.bin) {
  // better-sqlite3 is compiled for the system Node (the CLI); Electron needs its own build, kept apart.
  try {
    const { ensureElectronAddon } = await import('./electron-native.mjs');
    ensureElectronAddon({ root, electronBin: electron.bin });
  } catch (err) {
    electron.reason = `the database module could not be built for Electron (${err instanceof Error ? err.message : err})`;
    delete electron.bin;
  }
}
if (electron.bin) {
  const hasDisplay = process.platform !== 'linux' || process.env.DISPLAY || process.env.WAYLAND_DISPLAY;
  if (hasDisplay) child = spawn(electron.bin, [root, ...passthrough], { cwd: root, stdio: 'inherit' });
  else electron.reason = 'there is no display (DISPLAY/WAYLAND_DISPLAY unset)';
}
if (!child) {
  console.error(`Timbre: cannot open the desktop window: ${electron.reason}.`);
  console.error('Serving the studio in web mode instead: open the URL below in a browser on this computer.');
  console.error(
    '(On a desktop with internet, reinstall with ELECTRON_SKIP_BINARY_DOWNLOAD=0 npm ci to get the app window.)',
  );
  child = spawn(process.execPath, [path.join(root, 'bin', 'timbre.mjs'), 'serve', ...passthrough], {
    cwd: root,
    stdio: 'inherit',
  });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
