import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
});

const CLIP = path.resolve('../shared/eval/speech/16k/ls_103-1240-0000.wav');

describe('timbre voices', () => {
  it('adds, lists and removes a library voice; a locked library says how to unlock it', () => {
    const { dir, cleanup } = tempDir();
    const run = (args: string[], env: Record<string, string> = { TIMBRE_PASSPHRASE: 'correct horse battery' }) =>
      spawnSync(process.execPath, [path.join(ROOT, 'bin/timbre.mjs'), '--data-dir', dir, ...args], {
        encoding: 'utf8',
        env: { ...process.env, ...env },
      });
    try {
      const add = run(['voices', 'add', 'Karen', '--audio', CLIP, '--attest', 'Test Operator', '--json']);
      expect(add.status, add.stderr).toBe(0);
      const voice = JSON.parse(add.stdout);
      expect(voice).toMatchObject({ name: 'Karen', consent: { status: 'attested', name: 'Test Operator' } });
      const list = run(['voices', 'list', '--json']);
      const parsed = JSON.parse(list.stdout);
      expect(parsed.library.map((v: { id: string }) => v.id)).toEqual([voice.id]);
      expect(parsed.engines.length).toBeGreaterThan(100);
      const locked = run(['voices', 'add', 'X', '--audio', CLIP, '--attest', 'Test Operator'], {
        TIMBRE_PASSPHRASE: '',
      });
      expect(locked.status).toBe(1);
      expect(locked.stderr).toMatch(/protected by a passphrase.*TIMBRE_PASSPHRASE/);
      expect(run(['voices', 'remove', 'library:nope']).status).toBe(2);
      const rm = run(['voices', 'remove', voice.voiceId]);
      expect(rm.status, rm.stderr).toBe(0);
      expect(JSON.parse(run(['voices', 'list', '--library', '--json']).stdout).library).toEqual([]);
      expect(run(['voices', 'add', 'Y', '--attest', 'Test Operator']).status).toBe(2);
    } finally {
      cleanup();
    }
  }, 120_000);
});
