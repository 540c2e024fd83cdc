/**
 * `timbre privacy …` end to end through the real CLI: a session renders a script (project, takes, export), then the
 * report and ledger show it (no line text in the ledger), export writes an archive that imports into an empty data
 * folder, import refuses a non-empty one, erase needs --yes and then leaves only the emptied database.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LedgerPage, PrivacyReport } from '../../preload/contract/index.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = path.resolve('.');
beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
});

const timbre = (dataDir: string, ...args: string[]) =>
  spawnSync(process.execPath, [path.join(ROOT, 'bin/timbre.mjs'), '--data-dir', dataDir, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TIMBRE_VOICE_PASSPHRASE: 'cli privacy passphrase' },
  });

describe('timbre privacy', () => {
  it('report, ledger, export, import into an empty folder, erase', () => {
    const t = tempDir();
    try {
      const data = path.join(t.dir, 'data');
      const script = path.join(t.dir, 'show.txt');
      writeFileSync(script, 'HOST: Welcome to the lighthouse keepers hour.\nHOST: Goodbye.\n');
      const r = timbre(
        data,
        'render',
        script,
        '--voice',
        'espeak:en-us',
        '-f',
        'wav',
        '-o',
        path.join(t.dir, 'show.wav'),
      );
      expect(r.status, r.stderr).toBe(0);

      const rep = timbre(data, 'privacy', 'report', '--json');
      expect(rep.status, rep.stderr).toBe(0);
      const report = JSON.parse(rep.stdout) as PrivacyReport;
      const by = Object.fromEntries(report.holdings.map((h) => [h.kind, h]));
      expect(by.projects.count).toBe(1);
      expect(by.takes.count).toBe(2);
      expect(timbre(data, 'privacy', 'report').stdout).toMatch(/takes\s+2/);

      const led = timbre(data, 'privacy', 'ledger', '--json', '--limit', '1000');
      expect(led.status, led.stderr).toBe(0);
      const page = JSON.parse(led.stdout) as LedgerPage;
      const kinds = page.entries.map((e) => e.kind);
      // Two generations; take QC may have aligned some of the takes before the command exited (0 to 2 entries).
      const runs = page.entries.filter((e) => e.kind === 'model.run').map((e) => e.detail as { engine: string });
      expect(runs.filter((d) => d.engine === 'espeak')).toHaveLength(2);
      expect(runs.filter((d) => d.engine !== 'espeak').every((d) => d.engine === 'aligner')).toBe(true);
      expect(runs.length).toBeLessThanOrEqual(4);
      expect(kinds).toContain('file.imported');
      expect(kinds).toContain('export.written');
      expect(led.stdout).not.toContain('lighthouse');
      expect(timbre(data, 'privacy', 'ledger', '--kind', 'nope').status).toBe(2);

      const archive = path.join(t.dir, 'all.zip');
      const ex = timbre(data, 'privacy', 'export', '-o', archive);
      expect(ex.status, ex.stderr).toBe(0);
      expect(ex.stderr).toMatch(/1 project\(s\), 2 line\(s\), 2 take\(s\)/);

      const other = path.join(t.dir, 'other');
      const im = timbre(other, 'privacy', 'import', archive);
      expect(im.status, im.stderr).toBe(0);
      expect(JSON.parse(timbre(other, 'privacy', 'report', '--json').stdout).holdings[1]).toMatchObject({
        kind: 'takes',
        count: 2,
      });
      const again = timbre(other, 'privacy', 'import', archive);
      expect(again.status).toBe(1);
      expect(again.stderr).toMatch(/only into an empty data folder/);

      const no = timbre(data, 'privacy', 'erase');
      expect(no.status).toBe(2);
      expect(existsSync(path.join(data, 'takes'))).toBe(true);
      const er = timbre(data, 'privacy', 'erase', '--yes');
      expect(er.status, er.stderr).toBe(0);
      expect(er.stdout).toMatch(/Erased \d+ file\(s\)/);
      const files = readdirSync(data, { recursive: true })
        .map(String)
        .filter((f) => statSync(path.join(data, f)).isFile() && !f.startsWith('timbre.sqlite'));
      expect(files).toEqual([]);
    } finally {
      t.cleanup();
    }
  }, 180_000);
});
