/**
 * `node --import tsx build/bench/align-eval.ts [--json] [--dump]`: the accept/reject measurement of the embedded
 * aligner's verdict on real speech (../shared/eval/speech, 10 clips of 5 speakers with transcripts). The table in
 * docs/speech.md comes from this script. Cases:
 * - right: a clip and its own transcript; the clip with white noise at 20 dB SNR; each half of a clip (cut at the
 *   silence-free word boundary the alignment of the whole clip gives) with the words of that half;
 * - other statement: a clip with every other clip's transcript;
 * - partial reading: the first half (and the first third) of a clip's audio with its whole transcript — the real
 *   attack, a speaker who reads only part of the statement; and the first half of the transcript with the whole
 *   audio (more speech than text);
 * - silence with noise: 5 s and 12 s of low white noise, and of room-like brown noise, with each transcript.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeWav } from '../../native-models/audio/wav.js';
import { SoundSwallowerAligner } from '../../native-models/speech/soundswallower.js';
import type { AlignResult } from '../../native-models/speech/aligner.js';

const SPEECH = path.resolve(import.meta.dirname, '../../../shared/eval/speech');
const args = process.argv.slice(2);

export interface Clip {
  id: string;
  text: string;
  audio: Float32Array;
}

export function loadClips(): Clip[] {
  const rows = readFileSync(path.join(SPEECH, 'manifest.tsv'), 'utf8').trim().split('\n').slice(1);
  return rows.map((r) => {
    const c = r.split('\t');
    const wav = decodeWav(readFileSync(path.join(SPEECH, '16k', `${c[0]}.wav`)));
    return { id: c[0], text: c[7], audio: wav.samples };
  });
}

/** Deterministic noise (a fixed LCG), white or brown, at `rms`. */
export function noise(seconds: number, rms: number, kind: 'white' | 'brown', seed = 1): Float32Array {
  const out = new Float32Array(Math.round(seconds * 16000));
  let s = seed;
  let b = 0;
  for (let i = 0; i < out.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const w = s / 2 ** 32 - 0.5;
    b = kind === 'brown' ? 0.98 * b + w : w;
    out[i] = b;
  }
  let e = 0;
  for (const v of out) e += v * v;
  const g = rms / Math.sqrt(e / out.length);
  for (let i = 0; i < out.length; i++) out[i] *= g;
  return out;
}

export function addNoise(x: Float32Array, snrDb: number): Float32Array {
  let e = 0;
  for (const v of x) e += v * v;
  const n = noise(x.length / 16000, Math.sqrt(e / x.length) / 10 ** (snrDb / 20), 'white', 7);
  return x.map((v, i) => v + n[i]);
}

interface Case {
  kind: 'right' | 'other statement' | 'partial reading' | 'extra speech' | 'silence with noise' | 'three words differ';
  name: string;
  audio: Float32Array;
  text: string;
  /** Indexes (in the text's whitespace-separated words) of the words the audio does not say. */
  differ?: number[];
}

/** Content words put in place of three of a clip's words for the "three words differ" case (none is in any clip). */
const SWAP_WORDS = ['xylophone', 'pumpkin', 'volcano', 'lantern', 'meadow', 'copper'];

/**
 * The clip's transcript with three of its words (at a quarter, half and three quarters of the way, skipping words
 * of under 3 letters) replaced by words the clip does not say: a reading that differs from the text in 3 words.
 */
export function threeWordsDiffer(text: string, seed: number): { text: string; differ: number[] } {
  const t = text.split(/\s+/);
  const differ: number[] = [];
  for (const q of [0.25, 0.5, 0.75]) {
    let i = Math.floor(t.length * q);
    while (i < t.length - 1 && (t[i].replace(/[^\p{L}]/gu, '').length < 3 || differ.includes(i))) i++;
    differ.push(i);
  }
  differ.forEach((i, k) => (t[i] = SWAP_WORDS[(seed + k) % SWAP_WORDS.length]));
  return { text: t.join(' '), differ };
}

/** Written words of `text` up to/after the word that ends before `seconds` in an alignment. */
function splitAt(r: AlignResult, text: string, wordIndex: number) {
  const written = r.words.map((w) => w.word);
  const t = text.split(/\s+/);
  // The aligner's written words are `text`'s whitespace-separated words with punctuation trimmed, in order.
  if (t.length !== written.length) return null;
  const cut = (r.words[wordIndex - 1].end! + r.words[wordIndex].start!) / 2;
  return { cut, first: t.slice(0, wordIndex).join(' '), second: t.slice(wordIndex).join(' ') };
}

async function main() {
  const aligner = new SoundSwallowerAligner();
  const clips = loadClips();
  const cases: Case[] = [];
  const t0 = Date.now();
  for (const c of clips) {
    cases.push({ kind: 'right', name: `${c.id}`, audio: c.audio, text: c.text });
    cases.push({ kind: 'right', name: `${c.id} +noise 20 dB`, audio: addNoise(c.audio, 20), text: c.text });
    const whole = await aligner.align(c.audio, c.text, 'en');
    const half = Math.floor(whole.words.length / 2);
    const third = Math.floor(whole.words.length / 3);
    const s = splitAt(whole, c.text, half);
    const s3 = splitAt(whole, c.text, third);
    if (s && s3 && whole.verdict === 'match') {
      const cutH = Math.round(s.cut * 16000);
      cases.push({ kind: 'right', name: `${c.id} first half`, audio: c.audio.subarray(0, cutH), text: s.first });
      cases.push({ kind: 'right', name: `${c.id} second half`, audio: c.audio.subarray(cutH), text: s.second });
      cases.push({
        kind: 'partial reading',
        name: `${c.id} first half of audio`,
        audio: c.audio.subarray(0, cutH),
        text: c.text,
      });
      cases.push({
        kind: 'partial reading',
        name: `${c.id} first third of audio`,
        audio: c.audio.subarray(0, Math.round(s3.cut * 16000)),
        text: c.text,
      });
      cases.push({ kind: 'extra speech', name: `${c.id} half the text, all the audio`, audio: c.audio, text: s.first });
    }
    for (const o of clips)
      if (o.id !== c.id)
        cases.push({ kind: 'other statement', name: `${c.id} read as ${o.id}`, audio: c.audio, text: o.text });
    for (const [sec, kind, rms] of [
      [5, 'white', 0.003],
      [12, 'brown', 0.01],
    ] as const)
      cases.push({
        kind: 'silence with noise',
        name: `${sec} s ${kind} noise vs ${c.id}`,
        audio: noise(sec, rms, kind, sec),
        text: c.text,
      });
    const d = threeWordsDiffer(c.text, clips.indexOf(c));
    cases.push({
      kind: 'three words differ',
      name: `${c.id} with 3 words swapped`,
      audio: c.audio,
      text: d.text,
      differ: d.differ,
    });
  }
  // --only KIND[,KIND]: a subset of the cases (a quicker run).
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null;
  if (only) cases.splice(0, cases.length, ...cases.filter((k) => only.includes(k.kind)));
  const rows: {
    kind: string;
    name: string;
    verdict: string;
    score: number;
    failed: number;
    words: number;
    unexpected: number;
    seconds: number;
    /** three words differ: how many of the three were named (not ok), and how many words were named in all. */
    differNamed?: number;
  }[] = [];
  let audioSeconds = 0;
  let alignMs = 0;
  for (const k of cases) {
    const t = Date.now();
    const r = await aligner.align(k.audio, k.text, 'en');
    alignMs += Date.now() - t;
    audioSeconds += k.audio.length / 16000;
    rows.push({
      kind: k.kind,
      name: k.name,
      verdict: r.verdict,
      score: r.score,
      failed: r.words.filter((w) => w.status !== 'ok').length,
      words: r.words.length,
      unexpected: r.unexpectedSpeechSeconds,
      seconds: k.audio.length / 16000,
      ...(k.differ ? { differNamed: k.differ.filter((i) => r.words[i]?.status !== 'ok').length } : {}),
    });
    if (args.includes('--dump'))
      console.error(
        k.kind,
        '|',
        k.name,
        '|',
        r.verdict,
        r.score,
        r.reasons.join(' '),
        '| named:',
        r.words
          .filter((w) => w.status !== 'ok')
          .map((w) => w.word)
          .join(' '),
      );
  }
  const kinds = [
    'right',
    'other statement',
    'partial reading',
    'extra speech',
    'silence with noise',
    'three words differ',
  ];
  const summary = kinds.map((kind) => {
    const rs = rows.filter((r) => r.kind === kind);
    const want = kind === 'right' ? 'match' : 'mismatch';
    const ok = rs.filter((r) => r.verdict === want).length;
    const scores = rs.map((r) => r.score);
    const failedShare = rs.map((r) => r.failed / Math.max(1, r.words));
    const unexpected = rs.map((r) => r.unexpected);
    const range = (xs: number[]) => (xs.length ? [Math.min(...xs), Math.max(...xs)] : []);
    return {
      kind,
      expected: want,
      cases: rs.length,
      correct: ok,
      rate: rs.length ? ok / rs.length : 0,
      /** [min, max] over the cases: the margins around the thresholds. */
      scoreRange: range(scores),
      failedWordShareRange: range(failedShare),
      unexpectedSecondsRange: range(unexpected),
      /** Words named (not ok) per case, and how many of the three differing words were among them. */
      namedWordsRange: range(rs.map((r) => r.failed)),
      ...(kind === 'three words differ'
        ? { differNamed: rs.reduce((a, r) => a + (r.differNamed ?? 0), 0), differTotal: 3 * rs.length }
        : {}),
    };
  });
  const out = {
    summary,
    errors: rows.filter((r) => r.verdict !== (r.kind === 'right' ? 'match' : 'mismatch')),
    speedXRealtime: audioSeconds / (alignMs / 1000),
    wallSeconds: (Date.now() - t0) / 1000,
  };
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  else {
    for (const s of summary)
      console.log(
        `${s.kind.padEnd(20)} expected ${s.expected.padEnd(8)} ${s.correct}/${s.cases} = ${(s.rate * 100).toFixed(1)} %`,
        `score ${s.scoreRange.map((x) => x.toFixed(2)).join('-')}, failed share ${s.failedWordShareRange.map((x) => x.toFixed(2)).join('-')}, other speech ${s.unexpectedSecondsRange.join('-')} s, words named ${s.namedWordsRange.join('-')}` +
          ('differNamed' in s ? `, differing words named ${s.differNamed}/${s.differTotal}` : ''),
      );
    for (const e of out.errors)
      console.log(
        '  wrong:',
        e.kind,
        '|',
        e.name,
        '|',
        e.verdict,
        e.score,
        `${e.failed}/${e.words} failed`,
        `${e.unexpected}s extra`,
      );
    console.log(`speed ${out.speedXRealtime.toFixed(1)}x real time, ${out.wallSeconds.toFixed(0)} s`);
  }
  aligner.dispose();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
