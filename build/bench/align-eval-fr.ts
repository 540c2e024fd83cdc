/**
 * French consent words check, measured (docs/speech.md, "French"): consent statements written in French (Timbre has no
 * French statement template yet, so this script writes one), read by eSpeak NG French voices over a quiet room, checked
 * by the consent words check with the aligner's French model. Cases: the right statement (must be accepted), another
 * statement (other name and verification words), the first half of the statement, and room noise (must be refused).
 *
 *     node --import tsx build/bench/align-eval-fr.ts [--json]
 */
import { decodeWav } from '../../native-models/audio/wav.js';
import { resample } from '../../native-models/dsp/resample.js';
import { EspeakRuntime } from '../../native-models/espeak/runtime.js';
import { AlignerHost } from '../../main/node/speech/aligner-host.js';
import { installedConsentCheckers, verifyStatement } from '../../main/node/voices/consent.js';
import type { ConsentStatement } from '../../preload/contract/index.js';
import { noise } from './align-eval.js';

const WORDS_FR = [
  'pomme',
  'rivière',
  'bougie',
  'jardin',
  'crayon',
  'fenêtre',
  'montagne',
  'violon',
  'lapin',
  'échelle',
  'tigre',
  'boussole',
  'lanterne',
  'prairie',
  'cuivre',
  'faucon',
  'poivre',
  'tonnerre',
  'vélo',
  'dauphin',
  'plume',
  'marteau',
  'citron',
  'miroir',
  'ruban',
  'perroquet',
  'fusée',
  'tulipe',
  'velours',
  'chameau',
];
const NAMES = [
  ['Marie Dubois', 'Narration'],
  ['Julien Martin', 'Conteur'],
  ['Sophie Laurent', 'Podcast'],
  ['Luc Bernard', 'Lecture'],
  ['Claire Moreau', 'Documentaire'],
  ['Antoine Petit', 'Radio'],
  ['Camille Roux', 'Livre audio'],
  ['Hugo Fournier', 'Annonces'],
];

function statement(i: number): ConsentStatement {
  const [speaker, voice] = NAMES[i % NAMES.length];
  const words = [0, 1, 2].map((k) => WORDS_FR[(i * 7 + k * 11) % WORDS_FR.length]);
  const text =
    `Je m'appelle ${speaker} et nous sommes le cinq décembre deux mille vingt-six. ` +
    `J'accepte que des enregistrements de ma voix servent à créer une voix de synthèse appelée ${voice}, ` +
    `uniquement pour les usages que j'ai approuvés. Je sais que je peux demander sa suppression à tout moment. ` +
    `Mes mots de vérification sont ${words.join(', ')}.`;
  return { statementId: `cst_fr_${i}`, text, words, date: '2026-12-05', language: 'fr', expectedSeconds: 20 };
}

const rt = new EspeakRuntime();
async function read(text: string, voice: string, seed: number): Promise<Float32Array> {
  const out = await rt.run(['-v', voice, '-s', '160', '-w', 'r.wav', text], { outputs: ['r.wav'], clockMs: 0 });
  const wav = decodeWav(out.outputs.get('r.wav')!);
  const x = resample(wav.samples, wav.sampleRate, 16000);
  const room = noise(x.length / 16000, 0.001, 'brown', seed);
  return x.map((v, k) => v + room[k]);
}

const host = new AlignerHost();
const checkers = installedConsentCheckers('/nonexistent', {
  languages: ['en', 'fr'],
  align: (samples, rate, text, lang) => host.align(samples, rate, text, lang),
});

interface Row {
  kind: 'right' | 'different' | 'partial' | 'noise';
  voice: string;
  accepted: boolean;
  score: number;
  failedShare: number;
}
const rows: Row[] = [];
async function check(kind: Row['kind'], voice: string, st: ConsentStatement, audio: Float32Array) {
  const v = await verifyStatement(
    { statement: st, recording: { samples: audio, sampleRate: 16000, speechSeconds: 20 } },
    checkers,
  );
  const words = v.checks.find((c) => c.check === 'words')!;
  const a = words.alignment;
  rows.push({
    kind,
    voice,
    accepted: words.result === 'passed',
    score: a?.score ?? 0,
    failedShare: a ? a.words.filter((w) => w.status !== 'ok').length / a.words.length : 1,
  });
  if (!process.argv.includes('--json'))
    process.stderr.write(`${kind.padEnd(9)} ${voice.padEnd(6)} ${words.result} ${a?.score.toFixed(2) ?? '-'}\n`);
}

const N = 8;
for (const voice of ['fr', 'fr+f3']) {
  for (let i = 0; i < N; i++) {
    const st = statement(i);
    const audio = await read(st.text, voice, i + 1);
    await check('right', voice, st, audio);
    await check('different', voice, statement(i + 1), audio);
    const half = st.text.split(' ');
    await check('partial', voice, st, await read(half.slice(0, Math.floor(half.length / 2)).join(' '), voice, i + 50));
  }
}
for (let i = 0; i < 4; i++) await check('noise', 'none', statement(i), noise(12, 0.003, 'brown', 100 + i));
host.dispose();

const table = (['right', 'different', 'partial', 'noise'] as const).map((kind) => {
  const r = rows.filter((x) => x.kind === kind);
  const correct = r.filter((x) => (kind === 'right' ? x.accepted : !x.accepted)).length;
  const range = (f: (x: Row) => number) => `${Math.min(...r.map(f)).toFixed(2)}–${Math.max(...r.map(f)).toFixed(2)}`;
  return { kind, cases: r.length, correct, score: range((x) => x.score), failedShare: range((x) => x.failedShare) };
});
if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify({ table, rows }, null, 2)}\n`);
else
  for (const t of table)
    process.stdout.write(
      `${t.kind.padEnd(9)} ${t.correct}/${t.cases} correct  score ${t.score}  share of words failed ${t.failedShare}\n`,
    );
