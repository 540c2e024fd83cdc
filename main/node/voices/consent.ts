/**
 * Consent statements and their verification.
 *
 * A statement is generated for one voice: the speaker's name, the date, the voice's name and three random
 * verification words, in English or Simplified Chinese. The voice owner reads it aloud; the recording is staged like
 * any other audio. Verification is pluggable:
 * - duration (always): the VAD's speech seconds must be plausible for the text (0.5x–3x of its expected reading time);
 * - words: the embedded aligner (SoundSwallower, offline: `native-models/speech/`) aligns the statement to the
 *   recording and scores every word against a free phone loop: the reading must match the statement (verdict, score
 *   and the words that failed; thresholds measured in docs/speech.md) and every verification word must pass. For
 *   languages it has no model for (zh-CN), an installed speech-recognition pack for the language makes this check;
 * - transcript: where the aligner checks the words and a speech-recognition pack for the language is installed too
 *   (Parakeet, English), the recogniser's transcript must match the whole statement (MAX_CONSENT_WER) with every
 *   verification word heard: both must pass;
 * - speaker: when the speaker-embedding pack is installed, the statement and the voice sample must be the same voice
 *   (WeSpeaker cosine similarity at least SPEAKER_SAME_THRESHOLD).
 * A check that cannot run says so ("not checked (no … pack installed)"); the overall status is 'failed' when any
 * check that ran failed, else 'verified'.
 */
import { randomInt } from 'node:crypto';
import { VERIFICATION_WORD_MIN_SCORE } from '../../../native-models/speech/verify.js';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type {
  AlignResult,
  ConsentCheck,
  ConsentStatement,
  ConsentVerification,
} from '../../../preload/contract/index.js';
import { ApiError, notFound } from '../../../native-models/common/errors.js';
import { writeFileAtomic } from '../atomic-fs.js';
import { newId } from '../ids.js';
import { resample } from '../../../native-models/dsp/resample.js';
import { werWords, wordDiff } from '../../../native-models/asr/wer.js';
import { describeWordErrors } from '../../../native-models/speech/qc.js';
import { spokenText } from '../../../native-models/speech/text.js';
import { MONTH_NAMES, ordinal, year } from '../../../native-models/common/english-numbers.js';
import { cosineSimilarity } from '../../../native-models/speech/cluster.js';
import { SPEAKER_PACK_ID, SpeakerEmbedder, speakerUnavailableReason } from '../../../native-models/speaker/embedder.js';

/** A speech recogniser (an installed ASR pack). */
export interface Transcriber {
  readonly name: string;
  /** The languages it recognises (primary subtags: 'en'). */
  readonly languages: readonly string[];
  transcribe(samples: Float32Array, sampleRate: number, language: string): Promise<string>;
}

/**
 * A reading whose transcript differs from the statement in more than this share of the statement's words (word error
 * rate) fails the recogniser's check. PROVISIONAL, not measured on the real model (no download where this was
 * built): it is the aligner's measured limit on failed words (MAX_FAILED_WORD_FRACTION); Parakeet TDT-CTC 110M
 * reports about 3–8 % WER on read English, and a reading of half the statement is at 50 %. Another statement of the
 * same template differs in few words: its verification words, which must all be heard, reject it.
 */
export const MAX_CONSENT_WER = 0.2;

/** A speaker-embedding model (an installed speaker-verification pack). */
export interface SpeakerVerifier {
  readonly name: string;
  /** Similarity of two recordings' speakers, 0..1, and the threshold above which they count as the same speaker. */
  compare(
    a: { samples: Float32Array; sampleRate: number },
    b: { samples: Float32Array; sampleRate: number },
  ): Promise<{ similarity: number; threshold: number }>;
}

/** A text-to-audio aligner (the embedded one, or an ASR pack's) for the words check. */
export interface StatementAligner {
  readonly languages: readonly string[];
  align(samples: Float32Array, sampleRate: number, text: string, language: string): Promise<AlignResult>;
}

export interface ConsentCheckers {
  aligner?: StatementAligner;
  transcriber?: Transcriber;
  speaker?: SpeakerVerifier;
}

/**
 * Same-speaker threshold on the WeSpeaker cosine similarity (clamped to 0..1). NOT measured yet (the pack could not be
 * downloaded where this was built): 0.5 is a provisional value; `tests/unit/speaker-real.test.ts` prints the
 * same- and different-speaker scores on ../shared/eval to set it from measurements.
 */
export const SPEAKER_SAME_THRESHOLD = 0.5;

const embedders = new Map<string, SpeakerEmbedder>();

/** The consent speaker check backed by the installed speaker-embedding pack in `packDir`. */
export function speakerVerifierFor(packDir: string): SpeakerVerifier {
  let e = embedders.get(packDir);
  if (!e) embedders.set(packDir, (e = new SpeakerEmbedder(packDir)));
  const embedder = e;
  const at16k = (x: { samples: Float32Array; sampleRate: number }) =>
    x.sampleRate === 16_000 ? x.samples : resample(x.samples, x.sampleRate, 16_000);
  return {
    name: 'WeSpeaker ResNet34',
    async compare(a, b) {
      const [ea, eb] = [await embedder.embed(at16k(a)), await embedder.embed(at16k(b))];
      return { similarity: Math.max(0, cosineSimilarity(ea, eb)), threshold: SPEAKER_SAME_THRESHOLD };
    },
  };
}

/**
 * The checkers available: the embedded aligner always (passed in by the core, which owns its worker); the
 * transcriber when the speech-recognition pack is installed (also passed in: take QC's, in the same worker); the
 * speaker check when the speaker-embedding pack is installed in `modelsDir`.
 */
export function installedConsentCheckers(
  modelsDir: string,
  aligner?: StatementAligner,
  transcriber?: Transcriber | null,
): ConsentCheckers {
  const checkers: ConsentCheckers = aligner ? { aligner } : {};
  if (transcriber) checkers.transcriber = transcriber;
  const speakerDir = path.join(modelsDir, SPEAKER_PACK_ID);
  if (!speakerUnavailableReason(speakerDir)) checkers.speaker = speakerVerifierFor(speakerDir);
  return checkers;
}

/** Accepted range of speech seconds, as a multiple of the statement's expected reading time. */
export const DURATION_MIN_RATIO = 0.5;
export const DURATION_MAX_RATIO = 3;

// Short, concrete, unambiguous words that speech recognisers get right.
export const WORDS_EN = [
  'apple',
  'river',
  'candle',
  'garden',
  'pencil',
  'orange',
  'window',
  'silver',
  'mountain',
  'violin',
  'harbor',
  'rabbit',
  'ladder',
  'blanket',
  'tiger',
  'compass',
  'lantern',
  'meadow',
  'copper',
  'falcon',
  'marble',
  'pepper',
  'island',
  'saddle',
  'thunder',
  'walnut',
  'bicycle',
  'cactus',
  'dolphin',
  'feather',
  'glacier',
  'hammer',
  'jacket',
  'kettle',
  'lemon',
  'pumpkin',
  'ribbon',
  'oyster',
  'parrot',
  'quilt',
  'rocket',
  'tulip',
  'velvet',
];
const WORDS_ZH = [
  '苹果',
  '河流',
  '蜡烛',
  '花园',
  '铅笔',
  '橙子',
  '窗户',
  '银色',
  '高山',
  '小提琴',
  '港口',
  '兔子',
  '梯子',
  '毛毯',
  '老虎',
  '指南针',
  '灯笼',
  '草地',
  '铜币',
  '猎鹰',
  '大理石',
  '胡椒',
  '海岛',
  '雷声',
  '核桃',
  '自行车',
  '仙人掌',
  '海豚',
  '羽毛',
  '冰川',
  '锤子',
  '夹克',
  '水壶',
  '柠檬',
  '镜子',
  '鹦鹉',
  '火箭',
  '郁金香',
  '丝绒',
];

function pickWords(language: string, n = 3): string[] {
  const pool = [...(language === 'zh-CN' ? WORDS_ZH : WORDS_EN)];
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(pool.splice(randomInt(pool.length), 1)[0]);
  return out;
}

/** Reading time of a text: about 2.5 words per second in English, 4 characters per second in Chinese. */
export function expectedSeconds(text: string, language: string): number {
  if (language === 'zh-CN') {
    const han = (text.match(/[\u3400-\u9fff]/g) ?? []).length;
    const latinWords = (text.replace(/[\u3400-\u9fff]/g, ' ').match(/[A-Za-z0-9]+/g) ?? []).length;
    return Math.max(3, han / 4 + latinWords / 2.5);
  }
  return Math.max(3, (text.match(/[\p{L}\p{N}]+/gu) ?? []).length / 2.5);
}

/**
 * An ISO date as English statements write it, all in words ("December fifth, twenty twenty-six"), so that it is read
 * one way: the words check expects exactly these words. Written "March 2, 2027", it was read "march two, two thousand
 * twenty seven" (as eSpeak says it) as often as "march second, twenty twenty seven", and the first reading did not
 * match the statement on the 2nd of every month.
 */
export function spokenDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  const day = m ? Number(m[3]) : 0;
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12 || day < 1 || day > 31) return iso;
  return `${MONTH_NAMES[Number(m[2]) - 1]} ${ordinal(day)}, ${year(Number(m[1]))}`;
}

export function statementText(
  p: { voiceName: string; speakerName: string; language: string },
  date: string,
  words: string[],
): string {
  if (p.language === 'zh-CN')
    return (
      `我是${p.speakerName}。今天是${date}。我同意使用我的声音录音，在 Timbre 中创建名为“${p.voiceName}”的合成声音，` +
      `并且只用于我认可的用途。我知道我可以随时要求删除这个声音。验证词是：${words.join('、')}。`
    );
  return (
    `My name is ${p.speakerName}, and today is ${spokenDate(date)}. I agree that recordings of my voice may be used to create ` +
    `a synthetic voice called "${p.voiceName}" in Timbre, only for purposes I have approved. I know I can ask for ` +
    `this voice to be deleted at any time. My verification words are: ${words.join(', ')}.`
  );
}

interface StoredStatement extends ConsentStatement {
  voiceName: string;
  speakerName: string;
}

/** Statements live next to staged audio (`<id>.statement.json`) and are swept with it after 24 h. */
export class ConsentStatements {
  constructor(private readonly dir: string) {}

  private file(id: string): string {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new ApiError('INVALID_INPUT', `Not a statement id: ${id}`);
    return path.join(this.dir, `${id}.statement.json`);
  }

  async create(p: { voiceName: string; speakerName: string; language: 'en' | 'zh-CN' }): Promise<ConsentStatement> {
    const date = new Date().toISOString().slice(0, 10);
    const words = pickWords(p.language);
    const text = statementText(p, date, words);
    const s: StoredStatement = {
      statementId: newId('cst'),
      text,
      words,
      date,
      language: p.language,
      expectedSeconds: Math.round(expectedSeconds(text, p.language) * 10) / 10,
      voiceName: p.voiceName,
      speakerName: p.speakerName,
    };
    await writeFileAtomic(this.file(s.statementId), JSON.stringify(s));
    return this.public(s);
  }

  private public(s: StoredStatement): ConsentStatement {
    const { voiceName: _v, speakerName: _s, ...pub } = s;
    return pub;
  }

  remove(id: string): void {
    rmSync(this.file(id), { force: true });
  }

  get(id: string): StoredStatement {
    try {
      return JSON.parse(readFileSync(this.file(id), 'utf8')) as StoredStatement;
    } catch {
      throw notFound('Consent statement', id);
    }
  }
}

export interface VerifyInput {
  statement: ConsentStatement;
  /** The statement recording and its VAD speech seconds. */
  recording: { samples: Float32Array; sampleRate: number; speechSeconds: number };
  /** A sample of the voice (for the same-speaker check). */
  sample?: { samples: Float32Array; sampleRate: number };
}

const normalise = (s: string) =>
  s
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}]+/gu, ' ');

export async function verifyStatement(input: VerifyInput, checkers: ConsentCheckers): Promise<ConsentVerification> {
  const { statement, recording } = input;
  const checks: ConsentCheck[] = [];
  const exp = statement.expectedSeconds;
  const sp = recording.speechSeconds;
  const okDuration = sp >= exp * DURATION_MIN_RATIO && sp <= exp * DURATION_MAX_RATIO;
  checks.push({
    check: 'duration',
    result: okDuration ? 'passed' : 'failed',
    detail: okDuration
      ? `${sp.toFixed(1)} s of speech for a statement that takes about ${exp.toFixed(0)} s to read.`
      : sp < exp * DURATION_MIN_RATIO
        ? `Only ${sp.toFixed(1)} s of speech: reading the whole statement takes about ${exp.toFixed(0)} s. Record it again, reading every word.`
        : `${sp.toFixed(1)} s of speech is far longer than the statement (about ${exp.toFixed(0)} s). Record only the statement.`,
  });

  const alignLang = statement.language.split('-')[0];
  const asr = checkers.transcriber?.languages.includes(alignLang) ? checkers.transcriber : undefined;
  if (checkers.aligner && checkers.aligner.languages.includes(alignLang)) {
    const a = await checkers.aligner.align(recording.samples, recording.sampleRate, statement.text, alignLang);
    const norm = (w: string) => normalise(w).trim();
    const failedWords = a.words.filter((w) => w.status !== 'ok');
    // A verification word is heard when the alignment calls it ok. In a reading that matches the statement, a weak
    // verification word still counts when it scores at least VERIFICATION_WORD_MIN_SCORE (eSpeak and real voices put
    // single right words just under the pass mark now and then). In a refused reading that leniency does not apply:
    // a weak verification word is one the user is told was not heard clearly, as the failed-word list shows it.
    const heard = (w: (typeof a.words)[number]) =>
      w.status === 'ok' || (a.verdict === 'match' && w.status === 'weak' && w.score >= VERIFICATION_WORD_MIN_SCORE);
    const failedVerification = statement.words.filter(
      (v) => !a.words.some((w) => norm(w.word) === norm(v) && heard(w)),
    );
    const passed = a.verdict === 'match' && failedVerification.length === 0;
    const pct = `${Math.round(a.score * 100)} %`;
    const quote = (ws: string[]) => ws.map((w) => `"${w}"`).join(', ');
    checks.push({
      check: 'words',
      result: passed ? 'passed' : 'failed',
      detail: passed
        ? `The reading matches the statement (score ${pct}${failedWords.length ? `; unclear: ${quote(failedWords.map((w) => w.word))}` : ''}).`
        : [
            `The reading does not match the statement (score ${pct}).`,
            failedVerification.length
              ? `Verification word${failedVerification.length > 1 ? 's' : ''} not heard clearly: ${quote(failedVerification)}.`
              : '',
            ...a.reasons,
            'Record it again, reading the whole statement as written.',
          ]
            .filter(Boolean)
            .join(' '),
      alignment: a,
    });
    if (asr) checks.push(await transcriptCheck(statement, recording, asr, 'transcript'));
  } else if (asr) {
    checks.push(await transcriptCheck(statement, recording, asr, 'words'));
  } else {
    checks.push({
      check: 'words',
      result: 'not-checked',
      detail: 'not checked (no speech-recognition pack installed)',
    });
  }

  if (checkers.speaker && input.sample) {
    const { similarity, threshold } = await checkers.speaker.compare(input.sample, recording);
    checks.push({
      check: 'speaker',
      result: similarity >= threshold ? 'passed' : 'failed',
      detail:
        similarity >= threshold
          ? `The statement and the voice sample are the same speaker (similarity ${similarity.toFixed(2)}, ${checkers.speaker.name}).`
          : `The statement and the voice sample sound like different speakers (similarity ${similarity.toFixed(2)} under ${threshold.toFixed(2)}, ${checkers.speaker.name}).`,
    });
  } else {
    checks.push({
      check: 'speaker',
      result: 'not-checked',
      detail: checkers.speaker
        ? 'not checked (no voice sample given to compare with)'
        : `not checked (install the "${SPEAKER_PACK_ID}" speaker-embedding pack: timbre models download ${SPEAKER_PACK_ID})`,
    });
  }
  return { status: checks.some((c) => c.result === 'failed') ? 'failed' : 'verified', checks };
}

/** The words a reader says for `text`: the aligner's spoken forms ("5" is "five") where it has them, else its words. */
function spokenWords(text: string, language: string): string[] {
  const lang = language.split('-')[0];
  if (lang === 'zh') return [...normalise(text).replace(/\s+/g, '')];
  try {
    return werWords(spokenText(text, lang));
  } catch {
    return werWords(text);
  }
}

/**
 * The recogniser's check of a reading: the whole statement against what it heard (word error rate at most
 * MAX_CONSENT_WER, the differing words named), and every verification word heard. `as` is 'words' where the aligner
 * has no model for the language, else 'transcript' (beside the aligner's words check).
 */
async function transcriptCheck(
  statement: ConsentStatement,
  recording: VerifyInput['recording'],
  asr: Transcriber,
  as: 'words' | 'transcript',
): Promise<ConsentCheck> {
  let text: string;
  try {
    text = await asr.transcribe(recording.samples, recording.sampleRate, statement.language);
  } catch (err) {
    // A recogniser that fails leaves the other checks standing (as in take QC), and says why.
    return {
      check: as,
      result: 'not-checked',
      detail: `not checked (${asr.name} could not transcribe the recording: ${(err as Error).message})`,
    };
  }
  const heard = spokenWords(text, statement.language);
  const diff = wordDiff(spokenWords(statement.text, statement.language), heard);
  const wer = Math.round(diff.wer * 1000) / 1000;
  const zh = statement.language.startsWith('zh');
  const missing = statement.words.filter((w) => {
    const v = spokenWords(w, statement.language);
    return zh
      ? !heard.join('').includes(v.join(''))
      : !heard.some((_, i) => v.length > 0 && v.every((x, k) => heard[i + k] === x));
  });
  const passed = wer <= MAX_CONSENT_WER && missing.length === 0;
  const pct = `${Math.round(wer * 100)} %`;
  const quote = (ws: string[]) => ws.map((w) => `"${w}"`).join(', ');
  const differences = describeWordErrors({ kind: 'word-errors', ...diff, wer });
  return {
    check: as,
    result: passed ? 'passed' : 'failed',
    detail: passed
      ? `${asr.name} heard the statement and every verification word (${pct} of its words differ${differences ? `: ${differences}` : ''}).`
      : [
          wer > MAX_CONSENT_WER
            ? `${asr.name} heard other words: ${pct} of the statement's words differ (${differences}).`
            : `${asr.name} heard the statement (${pct} of its words differ).`,
          missing.length ? `Verification word${missing.length > 1 ? 's' : ''} not heard: ${quote(missing)}.` : '',
          'Record it again, reading the whole statement as written.',
        ]
          .filter(Boolean)
          .join(' '),
    transcript: { text, wer },
  };
}
