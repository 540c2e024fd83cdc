import os from 'node:os';
import path from 'node:path';
import { mkdirSync } from 'node:fs';

/** Where Timbre keeps its data, per user, per platform (the Electron shell passes its own `userData`). */
export function defaultDataDir(): string {
  const home = os.homedir();
  if (process.platform === 'win32')
    return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Timbre');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Timbre');
  return path.join(process.env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Timbre');
}

/** `--data-dir` wins, then TIMBRE_DATA_DIR, then the platform default. */
export function resolveDataDir(flag?: string, fallback: string = defaultDataDir()): string {
  const chosen = flag ?? process.env.TIMBRE_DATA_DIR ?? fallback;
  return path.resolve(chosen);
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
