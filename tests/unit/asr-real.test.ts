/**
 * The Parakeet engine on the real pack, when TIMBRE_MODELS_DIR holds it (the pack folder itself, or a models
 * folder holding it as `parakeet-ctc-en/`): word error rate on the real speech of ../shared/eval (LibriSpeech, LJ
 * Speech, CMU ARCTIC, the noisy 1961 JFK broadcast), and word times inside each clip and in order. Skipped
 * otherwise: the model is a 100 MB download that these machines cannot make.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ParakeetTranscriber, parakeetUnavailableReason } from '../../native-models/asr/parakeet.js';
import { wordErrorRate } from '../../native-models/asr/wer.js';

function findPack(): string | null {
  const root = process.env.TIMBRE_MODELS_DIR;
  if (!root) return null;
  for (const dir of [root, path.join(root, 'parakeet-ctc-en')]) if (!parakeetUnavailableReason(dir)) return dir;
  return null;
}

const packDir = findPack();
if (!packDir)
  console.warn(
    'asr-real tests skipped: set TIMBRE_MODELS_DIR to an installed parakeet-ctc-en pack (or a models folder containing parakeet-ctc-en/).',
  );

const EVAL = path.resolve('../shared/eval/speech');
const clips = readFileSync(path.join(EVAL, 'manifest.tsv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split('\t'))
  .map((c) => ({ id: c[0], file: path.join(EVAL, '16k', `${c[0]}.wav`), text: c[7] }));

function pcm(file: string): Float32Array {
  const b = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'f32le', '-ac', '1', '-ar', '16000', '-'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

describe.skipIf(!packDir)('Parakeet TDT-CTC 110M on real speech', () => {
  const t = new ParakeetTranscriber({ packDir: packDir ?? '' });
  afterAll(() => t.dispose());

  it('word error rate on the ten evaluation clips: at most 12 % overall, 35 % on any clip', async () => {
    let edits = 0;
    let words = 0;
    const rows: string[] = [];
    for (const c of clips) {
      const audio = pcm(c.file);
      const r = await t.transcribe(audio);
      const wer = wordErrorRate(c.text, r.text);
      const n = c.text.split(/\s+/).length;
      edits += wer * n;
      words += n;
      rows.push(`${c.id}\t${(wer * 100).toFixed(1)} %\t${r.text}`);
      expect(wer, `${c.id}: "${r.text}"`).toBeLessThanOrEqual(0.35);
      const starts = r.words.map((w) => w.start);
      expect([...starts].sort((a, b) => a - b)).toEqual(starts);
      for (const w of r.words) {
        expect(w.end).toBeGreaterThan(w.start);
        expect(w.end).toBeLessThanOrEqual(audio.length / 16000 + 1e-6);
      }
    }
    console.log(`WER ${((edits / words) * 100).toFixed(1)} % over ${words} words\n${rows.join('\n')}`);
    expect(edits / words).toBeLessThanOrEqual(0.12);
  }, 600_000);

  it('the same words when a clip is cut into short windows (window joins lose nothing)', async () => {
    const c = clips.find((x) => x.id === 'ls_103-1240-0000')!;
    const audio = pcm(c.file);
    const whole = await t.transcribe(audio);
    const small = new ParakeetTranscriber({ packDir: packDir ?? '', windowSeconds: 5, contextSeconds: 2 });
    const windowed = await small.transcribe(audio);
    await small.dispose();
    expect(wordErrorRate(whole.text, windowed.text)).toBeLessThanOrEqual(0.1);
  }, 300_000);
});
