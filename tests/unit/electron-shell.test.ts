import type { MenuItemConstructorOptions } from 'electron';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { dataDirFlag } from '../../main/electron-main/args.js';
import { menuTemplate, type MenuActions } from '../../main/electron-main/menu.js';
import { readShellPrefs, shellPrefsPath, writeShellPrefs } from '../../main/electron-main/shell-prefs.js';

const flatten = (items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] =>
  items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu) : [])]);

const actions = (): MenuActions => ({
  checkForUpdates: vi.fn(),
  setAutoCheckUpdates: vi.fn(),
  openHomepage: vi.fn(),
  openDocs: vi.fn(),
});

describe('--data-dir', () => {
  it('reads both spellings and ignores a missing value', () => {
    expect(dataDirFlag(['electron', '.', '--data-dir', '/d'])).toBe('/d');
    expect(dataDirFlag(['Timbre', '--data-dir=/e'])).toBe('/e');
    expect(dataDirFlag(['Timbre', '--data-dir'])).toBeUndefined();
    expect(dataDirFlag(['Timbre', '--data-dir', '--other'])).toBeUndefined();
    expect(dataDirFlag(['Timbre'])).toBeUndefined();
  });
});

describe('application menu', () => {
  it('has devtools entries only in development', () => {
    const roles = (devTools: boolean) =>
      flatten(
        menuTemplate({ platform: 'linux', devTools, autoCheckUpdates: false, updatesEnabled: true }, actions()),
      ).map((i) => i.role);
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(false)).not.toContain('reload');
    expect(roles(true)).toContain('toggleDevTools');
  });

  it('offers a user-initiated update check and the automatic-check toggle (off by default)', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const a = actions();
      const items = flatten(
        menuTemplate({ platform, devTools: false, autoCheckUpdates: false, updatesEnabled: true }, a),
      );
      const check = items.find((i) => i.id === 'check-updates')!;
      const auto = items.find((i) => i.id === 'auto-check-updates')!;
      expect(auto.checked).toBe(false);
      check.click!({} as never, undefined, {} as never);
      expect(a.checkForUpdates).toHaveBeenCalledTimes(1);
      auto.click!({ checked: true } as never, undefined, {} as never);
      expect(a.setAutoCheckUpdates).toHaveBeenCalledWith(true);
    }
  });
});

describe('shell preferences', () => {
  it('default to no automatic update checks and round-trip atomically', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'timbre-prefs-'));
    try {
      expect(readShellPrefs(dir)).toEqual({ autoCheckUpdates: false });
      writeShellPrefs(dir, { autoCheckUpdates: true });
      expect(readShellPrefs(dir)).toEqual({ autoCheckUpdates: true });
      writeFileSync(shellPrefsPath(dir), '{not json');
      expect(readShellPrefs(dir)).toEqual({ autoCheckUpdates: false });
      writeFileSync(shellPrefsPath(dir), '{"autoCheckUpdates":"yes"}');
      expect(readShellPrefs(dir)).toEqual({ autoCheckUpdates: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
