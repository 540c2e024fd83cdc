/**
 * Per-segment speaker similarity in the dub report (#11): `VoiceSimilarity` (main/node/speech/voice-similarity.ts,
 * the measure take QC's voice drift uses too) with the speaker-embedding fixture pack (tests/fixtures/speaker-fixture.ts: a real ONNX graph, fbank maxima as the
 * embedding) on audio this test makes, and `runDub` on a WAV made with ffmpeg, eSpeak takes on the core's worker:
 * segments whose voice has a reference get a similarity in 0..1, the others null; without the pack every similarity
 * is null. Each segment's loudness is reported too.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../main/node/core.js';
import { engineDubDeps, synthesizeWhole } from '../../main/node/dub/engine-deps.js';
import { runDub, type DubDeps, type ResolvedVoice } from '../../main/node/dub/pipeline.js';
import { VoiceSimilarity, type VoiceReference } from '../../main/node/speech/voice-similarity.js';
import { SpeakerEmbedder } from '../../native-models/speaker/embedder.js';
import type { VoiceInfo } from '../../preload/contract/index.js';
import { makeSpeakerFixture } from '../fixtures/speaker-fixture.js';
import { tempDir } from '../helpers/tmp.js';

const { dir, cleanup } = tempDir('timbre-dubsim-');
const fx = makeSpeakerFixture();
let core: Core;
let embedder: SpeakerEmbedder;
/** A VoiceSimilarity over the fixture pack (or none), with `samples` as the voices' own recordings. */
type Clip = { samples: Float32Array; sampleRate: number };
function similarity(samples: (voiceId: string) => Clip[] | null, pack = true): VoiceSimilarity {
  return new VoiceSimilarity({
    speakerEmbedder: () => (pack ? embedder : null),
    voiceSamples: (voiceId): VoiceReference | null => {
      const clips = samples(voiceId);
      return clips ? { key: String(clips.length), load: async () => clips } : null;
    },
  });
}
/** DubDeps.similarity from a VoiceSimilarity, as core.ts wires it. */
const dubSimilarity =
  (v: VoiceSimilarity): NonNullable<DubDeps['similarity']> =>
  async (voice, pcm, sampleRate, signal) =>
    signal.aborted ? null : v.of(voice.id, { samples: pcm, sampleRate });
const never = new AbortController().signal;
const voice = (id: string): ResolvedVoice => ({
  id,
  engineId: 'espeak',
  voiceId: id.slice('espeak:'.length),
  options: {},
  maxRate: 1.6,
});

/** A harmonic tone at `f0` with a slow vibrato (a voice-like spectrum), `seconds` long at `rate`. */
function tone(f0: number, seconds: number, rate = 16_000): Float32Array {
  const x = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < x.length; i++) {
    const t = i / rate;
    const f = f0 * (1 + 0.02 * Math.sin(2 * Math.PI * 5 * t));
    for (let h = 1; h <= 8; h++) x[i] += (0.3 / h) * Math.sin(2 * Math.PI * f * h * t);
  }
  return x;
}

beforeAll(async () => {
  core = await createCore({ dataDir: path.join(dir, 'data'), transport: 'web', version: 'test' });
  embedder = new SpeakerEmbedder(fx.dir);
}, 60_000);
afterAll(async () => {
  await embedder?.dispose();
  await core?.close();
  fx.cleanup();
  cleanup();
});

describe('take similarity', () => {
  it('is 1 for the reference itself, lower for another sound, null when it cannot be told', async () => {
    const ref = tone(140, 2);
    const v = voice('library:vc_anna');
    const vs = similarity((id) => (id === v.id ? [{ samples: ref, sampleRate: 16_000 }] : null));
    const sim = dubSimilarity(vs);
    expect(await sim(v, ref, 16_000, never)).toBeCloseTo(1, 5);
    // The same sound at 48 kHz (resampled to the embedder's 16 kHz first).
    const same48 = await sim(v, tone(140, 2, 48_000), 48_000, never);
    expect(same48).toBeGreaterThan(0.95);
    const other = await sim(v, tone(400, 2), 16_000, never);
    expect(other).not.toBeNull();
    expect(other!).toBeGreaterThanOrEqual(0);
    expect(other!).toBeLessThan(same48!);
    // Too short to embed (under 0.5 s), a voice with no reference, no pack installed, a cancelled run: null.
    expect(await sim(v, tone(140, 0.3), 16_000, never)).toBeNull();
    expect(await sim(voice('espeak:en-us'), ref, 16_000, never)).toBeNull();
    const noPack = dubSimilarity(similarity(() => [{ samples: ref, sampleRate: 16_000 }], false));
    expect(await noPack(v, ref, 16_000, never)).toBeNull();
    // The voice's embedding was computed once for all these calls.
    expect(vs.computed).toBe(1);
    const ac = new AbortController();
    ac.abort();
    expect(await sim(v, ref, 16_000, ac.signal)).toBeNull();
  }, 30_000);

  it('is reported per segment by the dub: a number for voices with a reference, null for the others', async () => {
    const input = path.join(dir, 'talk.wav');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=200:sample_rate=48000:duration=8', '-y', input]); // prettier-ignore
    const subs = path.join(dir, 'talk.srt');
    writeFileSync(
      subs,
      '1\n00:00:00,500 --> 00:00:03,000\nANNA: Good morning to all of you.\n\n' +
        '2\n00:00:04,000 --> 00:00:07,000\nBOB: And a good morning to you too.\n',
    );
    // ANNA's voice has a reference: a take of that voice saying something else; BOB's voice (built-in) has none.
    const anna = voice('espeak:en-us');
    const reference = await synthesizeWhole(core.engines, 'ref-1', anna, 'This is how I sound when I talk.', {}, never);
    const base = engineDubDeps({
      voices: async () => {
        const r = await core.dispatch('voices.list', {});
        return r.ok ? (r.result as VoiceInfo[]) : [];
      },
      resolve: async (id) => ({ engineId: 'espeak', voiceId: id.slice('espeak:'.length), options: {} }),
      engines: core.engines,
    });
    const annaSamples = (id: string) =>
      id === anna.id ? [{ samples: reference.pcm, sampleRate: reference.sampleRate }] : null;
    const deps: DubDeps = { ...base, similarity: dubSimilarity(similarity(annaSamples)) };
    const options = {
      input,
      subs,
      voice: 'espeak:en-us+m3',
      speakerVoices: [{ speaker: 'ANNA', voice: anna.id }],
      background: 'none' as const,
      output: path.join(dir, 'out.wav'),
    };
    const report = await runDub(options, deps);
    const [a, b] = report.segments;
    expect(a.voice).toBe(anna.id);
    expect(a.similarity).not.toBeNull();
    expect(a.similarity!).toBeGreaterThanOrEqual(0);
    expect(a.similarity!).toBeLessThanOrEqual(1);
    expect(b.similarity).toBeNull();
    for (const s of report.segments) expect(s.loudnessLufs).toEqual(expect.any(Number));
    // Without the pack: every similarity is null, the rest of the report the same kind.
    const without = await runDub(
      { ...options, output: path.join(dir, 'out2.wav') },
      { ...base, similarity: dubSimilarity(similarity(annaSamples, false)) },
    );
    expect(without.segments.map((s) => s.similarity)).toEqual([null, null]);
  }, 120_000);
});
