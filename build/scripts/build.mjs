#!/usr/bin/env node
// Builds every process's bundle: Node entries (CLI, synthesis worker) and the Electron shell with esbuild,
// the renderer with Vite. Dependencies stay external (native addons and the eSpeak .wasm load from node_modules).
//   node build/scripts/build.mjs            build everything
//   node build/scripts/build.mjs --if-missing   only when dist/ is absent (npm prepare)
//   node build/scripts/build.mjs --node      skip the renderer
//   node build/scripts/build.mjs --node --if-stale   only when a source is newer than a node bundle (tests: the suite
//                                            builds once, and each test file that needs dist/node checks, in ms)
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = new Set(process.argv.slice(2));
if (
  args.has('--if-missing') &&
  existsSync(path.join(root, 'dist', 'node', 'cli.js')) &&
  existsSync(path.join(root, 'dist', 'renderer', 'index.html'))
)
  process.exit(0);

const NODE_ENTRIES = {
  cli: 'main/cli/index.ts',
  'synth.worker': 'main/node/jobs/synth.worker.ts',
  'export.worker': 'main/node/export/export.worker.ts',
  'align.worker': 'main/node/speech/align.worker.ts',
  'asr.worker': 'main/node/speech/asr.worker.ts',
  'separation.worker': 'main/node/separation/separation.worker.ts',
  'speaker.worker': 'main/node/speech/speaker.worker.ts',
};

/** Newest modification time (ms) of the files the node bundles are built from. */
function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of ['main', 'native-models', 'preload']) if (existsSync(path.join(root, d))) walk(path.join(root, d));
  for (const f of ['package.json', 'package-lock.json', 'build/scripts/build.mjs'])
    if (existsSync(path.join(root, f))) newest = Math.max(newest, statSync(path.join(root, f)).mtimeMs);
  return newest;
}
if (args.has('--if-stale') && args.has('--node')) {
  const outputs = Object.keys(NODE_ENTRIES).map((n) => path.join(root, 'dist', 'node', `${n}.js`));
  if (outputs.every((f) => existsSync(f))) {
    const oldest = Math.min(...outputs.map((f) => statSync(f).mtimeMs));
    if (oldest > newestSource()) process.exit(0);
  }
}

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.error('timbre build: dependencies are not installed yet (run "npm install")');
  process.exit(args.has('--if-missing') ? 0 : 1);
}

const t0 = Date.now();
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  absWorkingDir: root,
  // Written by writeAtomically below: tests run `timbre` from dist/ while other tests rebuild it, and a reader must
  // never see a half-written bundle (a CI run once failed on "Unexpected end of input" in dist/node/cli.js).
  write: false,
};

/** Each output file to a temporary name beside it, then renamed over the old one (a rename is atomic). */
function writeAtomically(result) {
  for (const f of result.outputFiles) {
    mkdirSync(path.dirname(f.path), { recursive: true });
    const tmp = `${f.path}.tmp-${process.pid}`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
}
const jobs = [
  esbuild.build({
    ...common,
    format: 'esm',
    packages: 'external',
    entryPoints: NODE_ENTRIES,
    outdir: 'dist/node',
  }),
];
if (existsSync(path.join(root, 'main/electron-main/main.ts')))
  jobs.push(
    esbuild.build({
      ...common,
      format: 'esm',
      packages: 'external',
      entryPoints: { main: 'main/electron-main/main.ts' },
      outdir: 'dist/electron',
    }),
  );
if (existsSync(path.join(root, 'preload/preload.electron.ts')))
  // Sandboxed preloads must be one CommonJS file that requires nothing but electron.
  jobs.push(
    esbuild.build({
      ...common,
      format: 'cjs',
      external: ['electron'],
      entryPoints: { preload: 'preload/preload.electron.ts' },
      outdir: 'dist/electron',
      outExtension: { '.js': '.cjs' },
    }),
  );
for (const result of await Promise.all(jobs)) writeAtomically(result);
console.error(`timbre build: node bundles in ${Date.now() - t0} ms`);

const viteConfig = path.join(root, 'renderer', 'vite.config.ts');
if (!args.has('--node') && existsSync(viteConfig)) {
  const t1 = Date.now();
  rmSync(path.join(root, 'dist', 'renderer'), { recursive: true, force: true });
  const { build } = await import('vite');
  await build({ configFile: viteConfig, logLevel: 'warn' });
  console.error(`timbre build: renderer in ${Date.now() - t1} ms`);
}
