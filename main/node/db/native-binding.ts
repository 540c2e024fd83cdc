/**
 * Which compiled better-sqlite3 addon this process loads.
 *
 * better-sqlite3 is a V8-ABI addon (not N-API): a build works only in a runtime with the same NODE_MODULE_VERSION.
 * `npm install` compiles it for the system Node, which the `timbre` CLI and `timbre serve` use. Electron has its own
 * ABI, so the desktop app needs a second build, kept apart in `node_modules/.timbre-electron/` (made by `npm start`
 * with build/scripts/electron-native.mjs when the Electron binary is installed) and chosen here with better-sqlite3's
 * `nativeBinding` option. The Node build is never replaced, so the CLI and the app work from one checkout. Packaged
 * apps are rebuilt by electron-builder (`npmRebuild`) and use the default addon.
 *
 * Process-neutral about Electron itself: it reads `process.versions`, never imports `electron`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export const ELECTRON_NATIVE_DIR = '.timbre-electron';

export interface RuntimeVersions {
  /** Electron's version when running inside Electron. */
  electron?: string;
  /** NODE_MODULE_VERSION of this runtime. */
  modules: string;
}

/** Where the Electron build of better-sqlite3 for this Electron version and ABI is kept. */
export function electronAddonPath(nodeModules: string, electronVersion: string, abi: string): string {
  return path.join(nodeModules, ELECTRON_NATIVE_DIR, `better-sqlite3-electron-${electronVersion}-abi${abi}.node`);
}

export type BindingChoice =
  { kind: 'default' } | { kind: 'electron'; file: string } | { kind: 'missing'; file: string; message: string };

/**
 * The addon to load: the default (Node, or a packaged app whose addon electron-builder rebuilt), or the kept-apart
 * Electron build when running unpackaged inside Electron.
 */
export function chooseSqliteBinding(opts: {
  versions: RuntimeVersions;
  /** The node_modules folder better-sqlite3 was installed into. */
  nodeModules: string;
  /** True in a packaged app (resources/app.asar): its addon was rebuilt for Electron at packaging. */
  packaged: boolean;
  exists?: (file: string) => boolean;
}): BindingChoice {
  const { versions } = opts;
  if (!versions.electron || opts.packaged) return { kind: 'default' };
  const file = electronAddonPath(opts.nodeModules, versions.electron, versions.modules);
  if ((opts.exists ?? existsSync)(file)) return { kind: 'electron', file };
  return {
    kind: 'missing',
    file,
    message:
      `The database module has not been built for Electron ${versions.electron} (ABI ${versions.modules}) yet. ` +
      'Run `npm start` (it builds it once, into node_modules/.timbre-electron/) or ' +
      '`node build/scripts/electron-native.mjs`.',
  };
}

/** `nativeBinding` for `new Database(file, { nativeBinding })`, or undefined for better-sqlite3's default. */
export function sqliteNativeBinding(): string | undefined {
  if (!process.versions.electron) return undefined; // plain Node: the addon npm compiled
  // node_modules/better-sqlite3/lib/index.js → node_modules
  const main = createRequire(import.meta.url).resolve('better-sqlite3');
  const nodeModules = path.resolve(path.dirname(main), '..', '..');
  const choice = chooseSqliteBinding({
    versions: { electron: process.versions.electron, modules: process.versions.modules },
    nodeModules,
    packaged: /[\\/]app\.asar[\\/]/.test(main),
  });
  if (choice.kind === 'missing') throw new Error(choice.message);
  return choice.kind === 'electron' ? choice.file : undefined;
}
