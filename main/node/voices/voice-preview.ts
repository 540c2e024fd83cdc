/**
 * A short sentence spoken by an engine voice, so a person can hear a voice before choosing it (the Voices page and
 * the voice pickers). The sentence is in the voice's language when Timbre has one for it (else English). Each
 * preview is made once and kept in the data folder's `cache/previews/` (named by a hash of voice and sentence), so
 * listening again costs nothing; the cache is small (a few seconds of 16-bit mono each) and safe to delete.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../../native-models/common/errors.js';
import { encodeWav } from '../../../native-models/audio/wav.js';
import { writeFileAtomic } from '../atomic-fs.js';

/** Longest preview kept (seconds): a preview sentence takes 2-4 s; anything longer is cut. */
export const PREVIEW_MAX_SECONDS = 8;

const SENTENCES: Record<string, string> = {
  en: 'Hello! This is how I sound when I read your script.',
  de: 'Hallo! So klinge ich, wenn ich Ihr Skript vorlese.',
  es: '¡Hola! Así sueno cuando leo tu guion.',
  fr: 'Bonjour ! Voici ma voix quand je lis votre texte.',
  it: 'Ciao! Ecco come suono quando leggo il tuo copione.',
  pt: 'Olá! É assim que eu soo quando leio o seu roteiro.',
  nl: 'Hallo! Zo klink ik als ik je script voorlees.',
  pl: 'Cześć! Tak brzmię, gdy czytam twój scenariusz.',
  ru: 'Привет! Так звучит мой голос, когда я читаю ваш сценарий.',
  uk: 'Привіт! Так звучить мій голос, коли я читаю ваш сценарій.',
  zh: '你好！这是我朗读你的脚本时的声音。',
  cmn: '你好！这是我朗读你的脚本时的声音。',
  yue: '你好！呢個係我讀你劇本嘅聲音。',
  ja: 'こんにちは。台本を読むと、こんな声になります。',
  ko: '안녕하세요! 대본을 읽을 때 제 목소리는 이렇습니다.',
  hi: 'नमस्ते! आपकी स्क्रिप्ट पढ़ते समय मेरी आवाज़ ऐसी लगती है।',
  ar: 'مرحبا! هكذا يبدو صوتي عندما أقرأ نصك.',
  tr: 'Merhaba! Senaryonu okurken sesim böyle.',
  sv: 'Hej! Så här låter jag när jag läser ditt manus.',
  cs: 'Ahoj! Takhle zním, když čtu váš scénář.',
  el: 'Γεια σας! Έτσι ακούγεται η φωνή μου όταν διαβάζω το κείμενό σας.',
};

/** The preview sentence for a BCP 47-ish language code ("en-US", "zh-CN", "chr-US-Qaaa-x-west"): by its first subtag. */
export function previewSentence(language: string): string {
  const primary = language.toLowerCase().split(/[-_]/)[0];
  return SENTENCES[primary] ?? SENTENCES.en;
}

export interface PreviewDeps {
  cacheDir: string;
  /** Speak `text` with the engine voice; `onAudio` gets mono chunks at `rate`. */
  speak(
    engineId: string,
    voiceId: string,
    text: string,
    onAudio: (pcm: Float32Array) => void,
  ): Promise<{ sampleRate: number }>;
}

/** The preview WAV of an engine voice (`<engine>:<voice>`), made once and then read from the cache. */
export async function voicePreview(
  deps: PreviewDeps,
  voice: { id: string; engineId: string; language: string },
): Promise<{ wav: Buffer; text: string; cached: boolean }> {
  const text = previewSentence(voice.language);
  const key = createHash('sha256').update(`${voice.id}\n${text}`).digest('hex').slice(0, 32);
  const file = path.join(deps.cacheDir, `${key}.wav`);
  if (existsSync(file)) return { wav: readFileSync(file), text, cached: true };
  const chunks: Float32Array[] = [];
  let frames = 0;
  const { sampleRate } = await deps.speak(voice.engineId, voice.id.slice(voice.engineId.length + 1), text, (pcm) => {
    chunks.push(pcm);
    frames += pcm.length;
  });
  const max = Math.min(frames, Math.round(PREVIEW_MAX_SECONDS * sampleRate));
  if (!max) throw new ApiError('INTERNAL', `The voice ${voice.id} produced no audio for its preview.`);
  const all = new Float32Array(max);
  let at = 0;
  for (const c of chunks) {
    if (at >= max) break;
    const n = Math.min(c.length, max - at);
    all.set(c.subarray(0, n), at);
    at += n;
  }
  const wav = encodeWav(all, sampleRate);
  mkdirSync(deps.cacheDir, { recursive: true });
  await writeFileAtomic(file, wav);
  return { wav, text, cached: false };
}
