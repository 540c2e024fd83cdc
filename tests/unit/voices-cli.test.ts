/**
 * The voice library from the command line (the built `timbre`): a consent statement, `voices add` with a recorded
 * statement and --clean, `voices list --json` with the consent status, export/import of a .timbrevoice file with the
 * passphrase from TIMBRE_VOICE_PASSPHRASE, and the usage errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ConsentStatement, LibraryVoice } from '../../preload/contract/index.js';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { SPEECH_16K, openVoiceCore, spokenReading } from '../helpers/voices.js';

const SAMPLE = path.join(SPEECH_16K, 'ls_103-1240-0000.wav');

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
});

describe('timbre voices (statement, add --consent --clean, export, import)', () => {
  it('adds a voice with a verified statement, lists its consent, exports and imports it', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const core = await openVoiceCore(dir, ['silero-vad', 'gtcrn']);
      await core.close();
      const run = (args: string[], env: Record<string, string> = {}) =>
        spawnSync(process.execPath, [path.join(ROOT, 'bin/timbre.mjs'), '--data-dir', dir, ...args], {
          encoding: 'utf8',
          env: { ...process.env, TIMBRE_PASSPHRASE: 'cli voices passphrase', ...env },
        });

      const st = run(['voices', 'statement', 'Narrator', '--speaker', 'Alex Reader', '--json']);
      expect(st.status, st.stderr).toBe(0);
      const statement = JSON.parse(st.stdout) as ConsentStatement;
      expect(statement.text).toContain('Alex Reader');
      const text = run(['voices', 'statement', 'Narrator', '--speaker', 'Alex Reader']);
      expect(text.stdout).toMatch(/Statement id: cst_\S+ \(valid 24 h/);

      const reading = path.join(dir, 'reading.wav');
      writeFileSync(reading, await spokenReading(statement.text));

      const noStatement = run(['voices', 'add', 'X', '--audio', SAMPLE, '--consent', reading]);
      expect(noStatement.status).toBe(2);
      expect(noStatement.stderr).toMatch(/give --statement ID/);
      const noConsent = run(['voices', 'add', 'X', '--audio', SAMPLE]);
      expect(noConsent.status).toBe(2);
      expect(noConsent.stderr).toMatch(/A voice needs consent/);

      const add = run([
        'voices',
        'add',
        'Narrator',
        '--audio',
        SAMPLE,
        '--consent',
        reading,
        '--statement',
        statement.statementId,
        '--clean',
        '--tag',
        'book',
      ]);
      expect(add.status, add.stderr).toBe(0);
      expect(add.stdout).toMatch(
        /Added library:voice_\S+ "Narrator" \(.* 1 sample\(s\); consent verified by statement\)/,
      );
      expect(add.stderr).toMatch(/s of speech/);
      expect(add.stderr).toMatch(/consent duration: \d+\.\d s of speech/);
      expect(add.stderr).toMatch(/consent words: The reading matches the statement \(score \d+ %/);

      const list = JSON.parse(run(['voices', 'list', '--library', '--json']).stdout) as { library: LibraryVoice[] };
      expect(list.library).toHaveLength(1);
      const voice = list.library[0];
      expect(voice.consent).toMatchObject({ status: 'verified', method: 'statement', name: 'Alex Reader' });
      expect(voice.tags).toEqual(['book']);
      // The staged audio was used up or discarded.
      const leftovers = execFileSync('find', [path.join(dir, 'staging'), '-name', '*.enc'], { encoding: 'utf8' });
      expect(leftovers.trim()).toBe('');

      const out = path.join(dir, 'narrator.timbrevoice');
      const noPass = run(['voices', 'export', voice.voiceId, '-o', out]);
      expect(noPass.status).toBe(2);
      expect(noPass.stderr).toMatch(/Set TIMBRE_VOICE_PASSPHRASE/);
      const exp = run(['voices', 'export', voice.voiceId, '-o', out], { TIMBRE_VOICE_PASSPHRASE: 'voice file pass 1' });
      expect(exp.status, exp.stderr).toBe(0);
      expect(existsSync(out)).toBe(true);
      const wrong = run(['voices', 'import', out], { TIMBRE_VOICE_PASSPHRASE: 'not it at all' });
      expect(wrong.status).toBe(2);
      expect(wrong.stderr).toMatch(/Wrong passphrase/);
      const imp = run(['voices', 'import', out, '--json'], { TIMBRE_VOICE_PASSPHRASE: 'voice file pass 1' });
      expect(imp.status, imp.stderr).toBe(0);
      const back = JSON.parse(imp.stdout) as LibraryVoice;
      expect(back.id).not.toBe(voice.id);
      expect(back.samples.map((s) => s.sha256)).toEqual(voice.samples.map((s) => s.sha256));
      expect(back.consent).toEqual(voice.consent);
    } finally {
      cleanup();
    }
  }, 300_000);
});
