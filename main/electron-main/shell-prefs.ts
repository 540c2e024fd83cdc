/**
 * Preferences that belong to the shell rather than the core (today: automatic update checks), kept in
 * `<userData>/shell-preferences.json`. Defaults are the private choice: no automatic network access.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface ShellPrefs {
  /** Check for updates at startup. Off unless the user turns it on. */
  autoCheckUpdates: boolean;
}

export const DEFAULT_SHELL_PREFS: ShellPrefs = { autoCheckUpdates: false };

export const shellPrefsPath = (dataDir: string) => path.join(dataDir, 'shell-preferences.json');

export function readShellPrefs(dataDir: string): ShellPrefs {
  try {
    const raw = JSON.parse(readFileSync(shellPrefsPath(dataDir), 'utf8')) as Partial<ShellPrefs> | null;
    return { autoCheckUpdates: raw?.autoCheckUpdates === true };
  } catch {
    return { ...DEFAULT_SHELL_PREFS };
  }
}

/** Atomic: write a temp file, then rename over the old one. */
export function writeShellPrefs(dataDir: string, prefs: ShellPrefs): void {
  mkdirSync(dataDir, { recursive: true });
  const file = shellPrefsPath(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(prefs, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}
