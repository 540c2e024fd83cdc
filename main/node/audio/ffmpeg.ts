/**
 * Which ffmpeg / ffprobe Timbre runs, and where it came from.
 *
 * Order: the `TIMBRE_FFMPEG` / `TIMBRE_FFPROBE` environment variables (an explicit choice), then the system's
 * binaries on PATH, then the static builds bundled through the registry packages `@ffmpeg-installer/ffmpeg` and
 * `@ffprobe-installer/ffprobe` (GPL, run as separate programs, never linked). The system binary wins over the
 * bundled one because it receives the operating system's security updates, and ffmpeg parses untrusted media; the
 * bundled one makes import and export work out of the box where no ffmpeg is installed (typical on Windows and
 * macOS). The choice is reported (`describeFfmpeg`) so the UI and CLI can say which one is used.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export type FfmpegSource = 'env' | 'system' | 'bundled';
export interface ResolvedBinary {
  path: string;
  source: FfmpegSource;
}
type Tool = 'ffmpeg' | 'ffprobe';

const ENV: Record<Tool, string> = { ffmpeg: 'TIMBRE_FFMPEG', ffprobe: 'TIMBRE_FFPROBE' };
const PACKAGE: Record<Tool, string> = { ffmpeg: '@ffmpeg-installer/ffmpeg', ffprobe: '@ffprobe-installer/ffprobe' };

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on PATH (with the Windows extensions where they apply). */
export function findOnPath(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  const exts = process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (existsSync(candidate) && executable(candidate)) return candidate;
    }
  }
  return undefined;
}

/** The binary of the bundled package for this platform, if it is installed (electron-builder unpacks it from asar). */
export function bundledBinary(tool: Tool): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const mod = require(PACKAGE[tool]) as { path?: string };
    const file = mod.path?.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
    return file && existsSync(file) && executable(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

const cache = new Map<Tool, ResolvedBinary | null>();

function resolve(tool: Tool): ResolvedBinary | undefined {
  const fromEnv = process.env[ENV[tool]];
  if (fromEnv) return { path: fromEnv, source: 'env' };
  if (!cache.has(tool)) {
    const sys = findOnPath(tool);
    const bundled = sys ? undefined : bundledBinary(tool);
    cache.set(tool, sys ? { path: sys, source: 'system' } : bundled ? { path: bundled, source: 'bundled' } : null);
  }
  return cache.get(tool) ?? undefined;
}

/** Forget cached lookups (tests that change PATH). */
export function resetFfmpegCache(): void {
  cache.clear();
}

export const resolveFfmpeg = (): ResolvedBinary | undefined => resolve('ffmpeg');
export const resolveFfprobe = (): ResolvedBinary | undefined => resolve('ffprobe');

/** How to get ffmpeg when neither a system nor a bundled one exists. */
export function ffmpegInstallHint(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return 'Install it with Homebrew (brew install ffmpeg) or reinstall Timbre.';
  if (platform === 'win32') return 'Reinstall Timbre, or install ffmpeg and put it on PATH (or set TIMBRE_FFMPEG).';
  return 'Install it with your package manager (e.g. sudo apt-get install ffmpeg), or set TIMBRE_FFMPEG.';
}

/** One line for settings/diagnostics: which ffmpeg is used and why. */
export function describeFfmpeg(): string {
  const r = resolveFfmpeg();
  if (!r) return `ffmpeg: not found. ${ffmpegInstallHint()}`;
  const why = { env: 'set by TIMBRE_FFMPEG', system: 'the system one', bundled: 'bundled with Timbre' }[r.source];
  return `ffmpeg: ${r.path} (${why})`;
}
