/**
 * English consent readings by eSpeak NG, checked by the consent words check (docs/speech.md, "Wrong readings"): the
 * designated statement read as written (must be accepted) and read with its three verification words swapped for
 * others (a replayed older consent recording; must be refused, naming the swapped words and as few others as
 * possible). Readings at two speaking rates (160 and 175 words a minute, `timbre say`'s default), each with room
 * noise, or with digital silence before and after it as a virtual microphone records it.
 *
 *     node --import tsx build/bench/consent-eval-en.ts [--json] [--n 4]
 */
import { decodeWav } from '../../native-models/audio/wav.js';
import { resample } from '../../native-models/dsp/resample.js';
import { EspeakRuntime } from '../../native-models/espeak/runtime.js';
import { SoundSwallowerAligner } from '../../native-models/speech/soundswallower.js';
import { installedConsentCheckers, statementText, verifyStatement, WORDS_EN } from '../../main/node/voices/consent.js';
import type { ConsentStatement } from '../../preload/contract/index.js';
import { noise } from './align-eval.js';

const args = process.argv.slice(2);
const N = args.includes('--n') ? Number(args[args.indexOf('--n') + 1]) : 4;
const NAMES = ['Maria Lopez', 'Linda Johnson', 'Peter Brown', 'Aiko Tanaka', 'Samuel Okafor', 'Greta Lind'];
const VOICES = ['Narrator', 'Morning narration', 'Podcast host', 'Audiobook'];

function statement(i: number, words: string[]): ConsentStatement {
  const text = statementText(
    { voiceName: VOICES[i % VOICES.length], speakerName: NAMES[i % NAMES.length], language: 'en' },
    '2026-12-05',
    words,
  );
  return { statementId: `cst_en_${i}`, text, words, date: '2026-12-05', language: 'en', expectedSeconds: 20 };
}
const pick = (i: number, k: number) => WORDS_EN[(i * 7 + k * 11) % WORDS_EN.length];

const rt = new EspeakRuntime();
async function read(text: string, rate: number, room: boolean, seed: number): Promise<Float32Array> {
  const out = await rt.run(['-v', 'en-us', '-s', String(rate), '-w', 'r.wav', text], {
    outputs: ['r.wav'],
    clockMs: 0,
  });
  const wav = decodeWav(out.outputs.get('r.wav')!);
  const x = resample(wav.samples, wav.sampleRate, 16000);
  if (room) {
    const n = noise(x.length / 16000, 0.001, 'brown', seed);
    return x.map((v, k) => v + n[k]);
  }
  // A virtual microphone: exact zeros for 1 s before and 0.5 s after the reading.
  const y = new Float32Array(x.length + 24000);
  y.set(x, 16000);
  return y;
}

const aligner = new SoundSwallowerAligner();
const checkers = installedConsentCheckers('/nonexistent', {
  languages: ['en', 'fr'],
  align: (samples, rate, text, lang) =>
    aligner.align(rate === 16000 ? samples : resample(samples, rate, 16000), text, lang),
});

interface Row {
  kind: 'right' | 'wrong';
  reading: string;
  accepted: boolean;
  score: number;
  named: number;
  words: number;
  swappedNamed: number;
  verificationNamed: number;
}
const rows: Row[] = [];
for (let i = 0; i < N; i++) {
  const words = [0, 1, 2].map((k) => pick(i, k));
  const others = [0, 1, 2].map((k) => pick(i + 3, k + 5)).map((w, k) => (words.includes(w) ? pick(i + 4, k) : w));
  const st = statement(i, words);
  for (const rate of [160, 175])
    for (const room of [true, false])
      for (const kind of ['right', 'wrong'] as const) {
        const audio = await read(kind === 'right' ? st.text : statement(i, others).text, rate, room, i + 1);
        const v = await verifyStatement(
          { statement: st, recording: { samples: audio, sampleRate: 16000, speechSeconds: 20 } },
          checkers,
        );
        const check = v.checks.find((c) => c.check === 'words')!;
        const a = check.alignment!;
        const named = a.words.filter((w) => w.status !== 'ok');
        const reading = `${rate} wpm, ${room ? 'room noise' : 'digital silence'}`;
        rows.push({
          kind,
          reading,
          accepted: check.result === 'passed',
          score: a.score,
          named: named.length,
          words: a.words.length,
          // The verification words sit at the end of the statement: the last three written words.
          swappedNamed: a.words.slice(-3).filter((w) => w.status !== 'ok').length,
          verificationNamed: (check.detail.match(/Verification words? not heard clearly: ([^.]*)\./)?.[1] ?? '')
            .split(',')
            .filter((s) => s.trim()).length,
        });
        if (!args.includes('--json'))
          process.stderr.write(
            `${kind.padEnd(5)} ${reading.padEnd(30)} ${check.result.padEnd(6)} ${a.score.toFixed(2)} named ${named.length}/${a.words.length}: ${named.map((w) => w.word).join(' ')}\n`,
          );
      }
}
aligner.dispose();

const table = (['right', 'wrong'] as const).map((kind) => {
  const r = rows.filter((x) => x.kind === kind);
  const correct = r.filter((x) => (kind === 'right' ? x.accepted : !x.accepted)).length;
  const range = (f: (x: Row) => number) => `${Math.min(...r.map(f))}–${Math.max(...r.map(f))}`;
  return {
    kind,
    cases: r.length,
    correct,
    score: `${Math.min(...r.map((x) => x.score)).toFixed(2)}–${Math.max(...r.map((x) => x.score)).toFixed(2)}`,
    wordsNamed: range((x) => x.named),
    meanWordsNamed: r.reduce((a, x) => a + x.named, 0) / r.length,
    swappedNamed: `${r.reduce((a, x) => a + x.swappedNamed, 0)}/${3 * r.length}`,
    verificationWordsNamedInDetail: `${r.reduce((a, x) => a + x.verificationNamed, 0)}/${3 * r.length}`,
  };
});
if (args.includes('--json')) process.stdout.write(`${JSON.stringify({ table, rows }, null, 2)}\n`);
else for (const t of table) process.stdout.write(`${JSON.stringify(t)}\n`);
