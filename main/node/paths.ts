import os from 'node:os';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { PolicyError, currentPolicy } from './policy/policy.js';

/** Where Timbre keeps its data, per user, per platform (the Electron shell passes its own `userData`). */
export function defaultDataDir(): string {
  const home = os.homedir();
  if (process.platform === 'win32')
    return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Timbre');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Timbre');
  return path.join(process.env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Timbre');
}

/**
 * `--data-dir` wins, then TIMBRE_DATA_DIR, then the platform default; a managed policy's `dataDir` wins over all of
 * them, and asking for another folder is refused (PolicyError) rather than silently ignored.
 */
export function resolveDataDir(flag?: string, fallback: string = defaultDataDir()): string {
  const fixed = currentPolicy();
  const asked = flag ?? (process.env.TIMBRE_DATA_DIR || undefined); // an empty variable is no choice
  if (fixed.policy.dataDir !== undefined) {
    const dir = path.resolve(fixed.policy.dataDir);
    if (asked !== undefined && path.resolve(asked) !== dir)
      throw new PolicyError(
        `The data folder is set by your organization (policy ${fixed.source}): ${dir}. --data-dir and TIMBRE_DATA_DIR cannot change it.`,
      );
    return dir;
  }
  return path.resolve(asked ?? fallback);
}

export interface DataLayout {
  root: string;
  db: string;
  takes: string;
  models: string;
  voices: string;
}

export function dataLayout(root: string): DataLayout {
  const layout = {
    root,
    db: path.join(root, 'timbre.sqlite'),
    takes: path.join(root, 'takes'),
    models: path.join(root, 'models'),
    voices: path.join(root, 'voices'),
  };
  for (const dir of [layout.root, layout.takes, layout.models, layout.voices])
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  return layout;
}
