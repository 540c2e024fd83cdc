/**
 * `timbre dub --clone-speaker` (issue #11, pipeline step 4 from the command line): ANNA's voice is cloned from the
 * video itself — her cleanest 10–30 s, with the real Silero VAD, into ONE library voice made with the consent given —
 * and speaks all her cues; BOB keeps his eSpeak voice. The cloning pack is the Pocket TTS contract fixture, installed
 * where the pack manager puts it. Media: real speech from ../shared/eval placed at known times in a WebM made with
 * ffmpeg (tests/helpers/dub-clone-media.ts).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePocketFixture } from '../fixtures/pocket-tts-fixture.js';
import { CLEAN, PLACED, makeCloneMedia } from '../helpers/dub-clone-media.js';
import { ROOT } from '../helpers/server-process.js';
import { runCli } from '../helpers/hostile.js';
import { tempDir } from '../helpers/tmp.js';
import type { DubReport, LedgerPage, LibraryVoice } from '../../preload/contract/index.js';

const { dir, cleanup } = tempDir('timbre-dub-clone-cli-');
afterAll(cleanup);
const data = path.join(dir, 'data');
const SHARED_MODELS = path.resolve(ROOT, '../shared/models');
let media: { video: string; srt: string };

/** `timbre` in its own process (a dub takes seconds: this worker's event loop keeps answering vitest). */
const timbre = async (args: string[]) => {
  const r = await runCli(args, {
    dataDir: data,
    cwd: dir,
    env: { TIMBRE_PASSPHRASE: 'dub clone cli passphrase' },
    timeoutMs: 240_000,
  });
  return { status: r.code, stdout: r.stdout, stderr: r.stderr };
};

const library = async () => {
  const r = await timbre(['voices', 'list', '--library', '--json']);
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { library: LibraryVoice[] }).library;
};

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
  media = makeCloneMedia(dir);
}, 300_000);

beforeAll(async () => {
  // The speech finder, installed the way a user without internet would (the cloning pack comes later, in a test).
  const r = await timbre(['models', 'import', path.join(SHARED_MODELS, 'silero-vad')]);
  expect(r.status, r.stderr).toBe(0);
}, 120_000);

const dubArgs = (out: string, ...more: string[]) => [
  'dub',
  media.video,
  '--subs',
  media.srt,
  '--speaker-voice',
  'BOB=espeak:en-us',
  '-o',
  path.join(dir, out),
  '--report',
  path.join(dir, `${out}.json`),
  ...more,
];

describe('timbre dub --clone-speaker', () => {
  it('refuses as usage, creating nothing: no consent, --plan, a speaker the subtitles do not have', async () => {
    const none = await timbre(dubArgs('a.wav', '--clone-speaker', 'ANNA'));
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/Cloning a speaker needs consent: --attest/);
    const plan = await timbre(dubArgs('a.wav', '--clone-speaker', 'ANNA', '--attest', 'Test Operator', '--plan'));
    expect(plan.status).toBe(2);
    expect(plan.stderr).toMatch(/--plan predicts with existing voices/);
    const stray = await timbre(dubArgs('a.wav', '--attest', 'Test Operator'));
    expect(stray.status).toBe(2);
    expect(stray.stderr).toMatch(/go with --clone-speaker/);
    const nobody = await timbre(dubArgs('a.wav', '--clone-speaker', 'DORA', '--attest', 'Test Operator'));
    expect(nobody.status).toBe(2);
    expect(nobody.stderr).toMatch(
      /Cannot clone "DORA": no such speaker in the subtitles; their speakers: ANNA, BOB, CARL/,
    );
    const both = await timbre(
      dubArgs('a.wav', '--clone-speaker', 'BOB', '--attest', 'Test Operator').concat(
        '--speaker-voice',
        'ANNA=espeak:en',
      ),
    );
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/"BOB": give a speaker either a voice or a clone/);
    expect(await library()).toEqual([]);
  }, 120_000);

  it('without a cloning pack, refuses before any work and creates no voice', async () => {
    const r = await timbre(dubArgs('b.wav', '--clone-speaker', 'ANNA', '--attest', 'Test Operator'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Cloning ANNA from the video needs a voice-cloning model pack .*Nothing was created/);
    expect(await library()).toEqual([]);
  }, 120_000);

  it('clones ANNA once from her clean segments and dubs all her cues with that voice; a second run reuses it', async () => {
    makePocketFixture({ dir: path.join(data, 'models', 'pocket-tts'), eosStep: 4 });
    const r = await timbre(dubArgs('c.wav', '--clone-speaker', 'anna', '--attest', 'Test Operator'));
    expect(r.status, r.stderr).toBe(0);
    const said =
      /ANNA: cloned into the library voice "ANNA \(talk\.webm\)" \(library:[\w-]+\) from (\d+\.\d) s of cues ([\d, ]+)[;.]/.exec(
        r.stderr,
      );
    expect(said, r.stderr).not.toBeNull();
    // Her sample is her clean speech: the noisy cues and the one BOB talks over are left out, and named.
    const chosen = said![2].split(', ').map(Number);
    const cleanCues = PLACED.flatMap((p, i) => (CLEAN.has(p.text) ? [i + 1] : []));
    expect(chosen.length).toBeGreaterThan(0);
    for (const c of chosen) expect(cleanCues).toContain(c);
    const overlapped = PLACED.findIndex((p) => p.text === 'Talked over.') + 1;
    expect(r.stderr).toContain(`cue ${overlapped} (overlap)`);

    const voices = await library();
    expect(voices).toHaveLength(1);
    const v = voices[0];
    expect(v.name).toBe('ANNA (talk.webm)');
    expect(v.tags).toContain('dub');
    expect(v.consent?.status).toBe('attested');
    const seconds = v.samples.reduce((n, s) => n + s.seconds, 0);
    expect(seconds).toBeGreaterThanOrEqual(10);
    expect(seconds).toBeLessThanOrEqual(30);

    const report = JSON.parse(readFileSync(path.join(dir, 'c.wav.json'), 'utf8')) as DubReport;
    const anna = report.segments.filter((s) => s.speaker === 'ANNA');
    expect(anna.length).toBeGreaterThan(3);
    for (const s of anna) expect(s.voice).toBe(v.voiceId); // one voice for every line, never one clone per line
    for (const s of report.segments.filter((x) => x.speaker === 'BOB')) expect(s.voice).toBe('espeak:en-us');
    // The takes were spoken by the cloning engine (the fixture's audio, not silence).
    expect(anna.every((s) => s.takeSeconds > 0)).toBe(true);
    // The privacy ledger names the speech finder's run on the new voice (a stable id, not the file's name).
    const ledger = await timbre(['privacy', 'ledger', '--kind', 'model.run', '--json']);
    expect(ledger.status, ledger.stderr).toBe(0);
    const runs = (JSON.parse(ledger.stdout) as LedgerPage).entries.map((e) => e.detail);
    expect(runs).toContainEqual({ engine: 'silero-vad', item: 'voice', itemId: v.id });

    // Run again: the voice cloned from this video before is used, not a second one.
    const again = await timbre(dubArgs('d.wav', '--clone-speaker', 'ANNA', '--attest', 'Test Operator'));
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/ANNA: using the library voice "ANNA \(talk\.webm\)" cloned from this video before/);
    expect(await library()).toHaveLength(1);

    // The cloned voice given by id, with no cloning in the run: TIMBRE_PASSPHRASE unlocks its encrypted conditioning.
    const byId = await timbre(dubArgs('e.wav', '--speaker-voice', `ANNA=${v.voiceId}`));
    expect(byId.status, byId.stderr).toBe(0);
    const again2 = JSON.parse(readFileSync(path.join(dir, 'e.wav.json'), 'utf8')) as DubReport;
    for (const s of again2.segments.filter((x) => x.speaker === 'ANNA')) expect(s.voice).toBe(v.voiceId);
  }, 300_000);
});
