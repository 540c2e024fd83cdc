#!/usr/bin/env node
// Builds better-sqlite3 for the installed Electron's ABI and keeps it apart from the Node build, in
// node_modules/.timbre-electron/ (main/node/db/native-binding.ts loads it inside Electron with `nativeBinding`).
// The Node build in node_modules/better-sqlite3/build stays as it is, so the `timbre` CLI keeps working.
//
// `npm start` runs this once when the Electron binary is installed and the build is missing. It first tries the
// prebuilt binary better-sqlite3 publishes for that Electron version (prebuild-install, as better-sqlite3's own
// install does), then compiles from source with node-gyp against Electron's headers. Both need the network once.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ELECTRON_NATIVE_DIR = '.timbre-electron';

/** Same layout as electronAddonPath() in main/node/db/native-binding.ts (a unit test keeps them in step). */
export function electronAddonPath(nodeModules, electronVersion, abi) {
  return path.join(nodeModules, ELECTRON_NATIVE_DIR, `better-sqlite3-electron-${electronVersion}-abi${abi}.node`);
}

/** The commands that build the addon in `workDir` (a copy of the package), in the order they are tried. */
export function buildPlan({ workDir, electronVersion, arch, nodeGyp, prebuildInstall }) {
  const plan = [];
  if (prebuildInstall)
    plan.push({
      what: 'prebuilt binary',
      cmd: process.execPath,
      args: [prebuildInstall, '--runtime', 'electron', '--target', electronVersion, '--arch', arch, '--force'],
      cwd: workDir,
    });
  if (nodeGyp)
    plan.push({
      what: 'compile from source',
      cmd: process.execPath,
      args: [
        nodeGyp,
        'rebuild',
        '--release',
        `--target=${electronVersion}`,
        `--arch=${arch}`,
        '--runtime=electron',
        '--dist-url=https://electronjs.org/headers',
      ],
      cwd: workDir,
    });
  return plan;
}

function resolveOptional(require, spec) {
  try {
    return require.resolve(spec);
  } catch {
    return undefined;
  }
}

/** node-gyp from the project, else the copy bundled with npm. */
function findNodeGyp(require) {
  const own = resolveOptional(require, 'node-gyp/bin/node-gyp.js');
  if (own) return own;
  const npmBundled = path.join(
    path.dirname(process.execPath),
    '..',
    'lib',
    'node_modules',
    'npm',
    'node_modules',
    'node-gyp',
    'bin',
    'node-gyp.js',
  );
  return process.env.npm_config_node_gyp || (existsSync(npmBundled) ? npmBundled : undefined);
}

/** Build (if missing) and return the addon's path; throws with a plain message when it cannot. */
export function ensureElectronAddon({ root, electronBin, log = console.error }) {
  const require = createRequire(path.join(root, 'package.json'));
  const pkgDir = path.dirname(require.resolve('better-sqlite3/package.json'));
  const nodeModules = path.dirname(pkgDir);
  const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
  // The ABI is what the Electron binary itself reports (no table to keep up to date).
  const abiRun = spawnSync(electronBin, ['-p', 'process.versions.modules'], {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    encoding: 'utf8',
  });
  const abi = abiRun.stdout?.trim();
  if (abiRun.status !== 0 || !/^\d+$/.test(abi ?? ''))
    throw new Error(`cannot ask Electron for its module ABI: ${abiRun.stderr || abiRun.error?.message || 'no output'}`);
  const target = electronAddonPath(nodeModules, electronVersion, abi);
  if (existsSync(target)) return target;

  log(`Timbre: building the database module for Electron ${electronVersion} (ABI ${abi}), once…`);
  const work = mkdtempSync(path.join(os.tmpdir(), 'timbre-electron-sqlite-'));
  try {
    cpSync(pkgDir, work, { recursive: true, filter: (src) => !src.startsWith(path.join(pkgDir, 'build')) });
    const plan = buildPlan({
      workDir: work,
      electronVersion,
      arch: process.arch,
      nodeGyp: findNodeGyp(require),
      prebuildInstall: resolveOptional(require, 'prebuild-install/bin.js'),
    });
    const built = path.join(work, 'build', 'Release', 'better_sqlite3.node');
    const tried = [];
    for (const step of plan) {
      const r = spawnSync(step.cmd, step.args, { cwd: step.cwd, stdio: 'inherit', env: process.env });
      tried.push(`${step.what}: exit ${r.status}`);
      if (r.status === 0 && existsSync(built)) break;
    }
    if (!existsSync(built))
      throw new Error(
        `could not build better-sqlite3 for Electron ${electronVersion} (${tried.join('; ') || 'no build tool found'})`,
      );
    // Check it loads in Electron before keeping it.
    const check = spawnSync(electronBin, ['-e', `require(${JSON.stringify(built)})`], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      encoding: 'utf8',
    });
    if (check.status !== 0) throw new Error(`the Electron build does not load: ${check.stderr.trim()}`);
    mkdirSync(path.dirname(target), { recursive: true });
    cpSync(built, `${target}.tmp`);
    renameSync(`${target}.tmp`, target);
    return target;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const require = createRequire(path.join(root, 'package.json'));
  try {
    const pkgDir = path.dirname(require.resolve('electron/package.json'));
    const bin = path.join(pkgDir, 'dist', readFileSync(path.join(pkgDir, 'path.txt'), 'utf8').trim());
    console.log(ensureElectronAddon({ root, electronBin: bin }));
  } catch (err) {
    console.error(`Timbre: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
