/**
 * The speaker embedder on the real WeSpeaker pack, when TIMBRE_MODELS_DIR holds it (the pack folder, or a models
 * folder holding `speaker-wespeaker-en/`): on the real speech of ../shared/eval (5 speakers, 10 clips), every
 * same-speaker pair must score above every different-speaker pair's median, and clustering with the known count (5)
 * must group the clips by speaker. Skipped otherwise (the model is a download these machines cannot make).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SpeakerEmbedder, speakerUnavailableReason } from '../../native-models/speaker/embedder.js';
import { clusterEmbeddings, cosineSimilarity } from '../../native-models/speech/cluster.js';

function findPack(): string | null {
  const root = process.env.TIMBRE_MODELS_DIR;
  if (!root) return null;
  for (const dir of [root, path.join(root, 'speaker-wespeaker-en')]) if (!speakerUnavailableReason(dir)) return dir;
  return null;
}
const packDir = findPack();
if (!packDir)
  console.warn('speaker-real tests skipped: set TIMBRE_MODELS_DIR to an installed speaker-wespeaker-en pack.');

const EVAL = path.resolve('../shared/eval/speech');
const clips = readFileSync(path.join(EVAL, 'manifest.tsv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split('\t'))
  .map((c) => ({ id: c[0], speaker: c[5], file: path.join(EVAL, '16k', `${c[0]}.wav`) }));

describe.skipIf(!packDir)('WeSpeaker ResNet34 on real speech', () => {
  const e = new SpeakerEmbedder(packDir ?? '');
  afterAll(() => e.dispose());

  it('same speaker scores above different speakers; clustering by count groups the clips by speaker', async () => {
    const embs: Float32Array[] = [];
    for (const c of clips) {
      const b = execFileSync('ffmpeg', ['-v', 'error', '-i', c.file, '-f', 'f32le', '-ac', '1', '-ar', '16000', '-']);
      embs.push(await e.embed(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))));
    }
    const same: number[] = [];
    const diff: number[] = [];
    for (let i = 0; i < clips.length; i++)
      for (let j = i + 1; j < clips.length; j++)
        (clips[i].speaker === clips[j].speaker ? same : diff).push(cosineSimilarity(embs[i], embs[j]));
    diff.sort((a, b) => a - b);
    console.log(
      `same-speaker cosine ${same.map((s) => s.toFixed(2)).join(' ')}; different: median ${diff[diff.length >> 1].toFixed(2)}, max ${diff.at(-1)!.toFixed(2)}`,
    );
    expect(Math.min(...same)).toBeGreaterThan(diff[diff.length >> 1]);
    const labels = clusterEmbeddings(embs, { speakers: new Set(clips.map((c) => c.speaker)).size });
    for (let i = 0; i < clips.length; i++)
      for (let j = 0; j < clips.length; j++)
        expect(labels[i] === labels[j], `${clips[i].id} / ${clips[j].id}`).toBe(clips[i].speaker === clips[j].speaker);
  }, 300_000);
});
