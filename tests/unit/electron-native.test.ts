import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { chooseSqliteBinding, electronAddonPath, sqliteNativeBinding } from '../../main/node/db/native-binding.js';
import { openDatabase } from '../../main/node/db/database.js';
// @ts-expect-error -- a plain .mjs build script without type declarations
import * as script from '../../build/scripts/electron-native.mjs';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

const t = tempDir('timbre-electron-native-');
afterAll(() => t.cleanup());

const buildScript = script as {
  electronAddonPath: (nm: string, v: string, abi: string) => string;
  buildPlan: (o: Record<string, unknown>) => { what: string; args: string[] }[];
  ensureElectronAddon: (o: { root: string; electronBin: string; log?: (s: string) => void }) => string;
};

describe('better-sqlite3 for Node and for Electron from one checkout', () => {
  const nm = '/app/node_modules';

  it('plain Node (the CLI, timbre serve) uses the addon npm compiled', () => {
    expect(chooseSqliteBinding({ versions: { modules: '115' }, nodeModules: nm, packaged: false })).toEqual({
      kind: 'default',
    });
    expect(sqliteNativeBinding()).toBeUndefined();
  });

  it('unpackaged Electron uses the kept-apart Electron build when it exists, and names the fix when it does not', () => {
    const file = electronAddonPath(nm, '45.4.1', '140');
    expect(file).toBe('/app/node_modules/.timbre-electron/better-sqlite3-electron-45.4.1-abi140.node');
    const versions = { electron: '45.4.1', modules: '140' };
    expect(chooseSqliteBinding({ versions, nodeModules: nm, packaged: false, exists: (f) => f === file })).toEqual({
      kind: 'electron',
      file,
    });
    const missing = chooseSqliteBinding({ versions, nodeModules: nm, packaged: false, exists: () => false });
    expect(missing.kind).toBe('missing');
    expect(missing.kind === 'missing' && missing.message).toMatch(/Electron 45\.4\.1 \(ABI 140\).*npm start/);
    // A different Electron (after an upgrade) does not pick up the old build.
    expect(
      chooseSqliteBinding({
        versions: { electron: '46.0.0', modules: '143' },
        nodeModules: nm,
        packaged: false,
        exists: (f) => f === file,
      }).kind,
    ).toBe('missing');
  });

  it('a packaged app uses its own addon (electron-builder rebuilt it)', () => {
    expect(
      chooseSqliteBinding({
        versions: { electron: '45.4.1', modules: '140' },
        nodeModules: '/opt/Timbre/resources/app.asar/node_modules',
        packaged: true,
        exists: () => false,
      }),
    ).toEqual({ kind: 'default' });
  });

  it('the build script keeps the addon where the app looks for it, and tries the prebuilt binary before compiling', () => {
    expect(buildScript.electronAddonPath(nm, '45.4.1', '140')).toBe(electronAddonPath(nm, '45.4.1', '140'));
    const plan = buildScript.buildPlan({
      workDir: '/w',
      electronVersion: '45.4.1',
      arch: 'x64',
      nodeGyp: '/g/node-gyp.js',
      prebuildInstall: '/p/bin.js',
    });
    expect(plan.map((s) => s.what)).toEqual(['prebuilt binary', 'compile from source']);
    expect(plan[0].args).toEqual([
      '/p/bin.js',
      '--runtime',
      'electron',
      '--target',
      '45.4.1',
      '--arch',
      'x64',
      '--force',
    ]);
    expect(plan[1].args).toEqual(
      expect.arrayContaining([
        'rebuild',
        '--target=45.4.1',
        '--runtime=electron',
        '--dist-url=https://electronjs.org/headers',
      ]),
    );
  });

  it('asks the Electron binary for its ABI and reuses a build already made (no rebuild, no network)', () => {
    // A stand-in for the Electron binary: with ELECTRON_RUN_AS_NODE=1 Electron is a Node; so is this script.
    const fakeElectron = path.join(t.dir, 'electron');
    writeFileSync(
      fakeElectron,
      `#!/bin/sh\n[ "$ELECTRON_RUN_AS_NODE" = 1 ] || exit 9\nexec "${process.execPath}" "$@"\n`,
    );
    chmodSync(fakeElectron, 0o755);
    const { version } = JSON.parse(
      readFileSync(path.join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8'),
    ) as { version: string };
    const target = electronAddonPath(path.join(ROOT, 'node_modules'), version, process.versions.modules);
    const existed = existsSync(target);
    if (!existed) {
      mkdirSync(path.dirname(target), { recursive: true });
      copyFileSync(
        path.join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
        target,
      );
    }
    const logs: string[] = [];
    try {
      expect(buildScript.ensureElectronAddon({ root: ROOT, electronBin: fakeElectron, log: (s) => logs.push(s) })).toBe(
        target,
      );
      expect(logs).toEqual([]); // nothing was built
    } finally {
      if (!existed) rmSync(path.dirname(target), { recursive: true, force: true });
    }
  });

  it('better-sqlite3 loads an addon kept apart through nativeBinding, and the database opens with WAL', () => {
    const apart = path.join(t.dir, 'apart', 'better-sqlite3-copy.node');
    mkdirSync(path.dirname(apart), { recursive: true });
    copyFileSync(path.join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'), apart);
    const db = new Database(path.join(t.dir, 'a.sqlite'), { nativeBinding: apart });
    expect(db.prepare('SELECT 1 + 1 AS n').get()).toEqual({ n: 2 });
    db.close();
    const real = openDatabase(path.join(t.dir, 'b.sqlite'));
    expect(real.pragma('journal_mode', { simple: true })).toBe('wal');
    real.close();
  });
});
