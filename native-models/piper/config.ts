/**
 * A Piper voice's `.onnx.json` (the published contract, rhasspy/piper `src/python/piper_train/vits/…` and
 * piper-phonemize) and the phoneme → id step.
 *
 * Ids for one sentence, as piper-phonemize's `phonemes_to_ids` makes them: the ids of BOS `^`, then pad `_`, then
 * for every phoneme (a Unicode code point of the NFD phoneme string) its ids followed by pad's ids, then EOS `$`
 * (no pad after it). A phoneme missing from the voice's map is skipped (and counted), as piper does.
 */
import { z } from 'zod';

/** Largest `.onnx.json` read (the biggest published one, a 904-speaker voice, is 20 KB). */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

const ids = z.array(z.number().int().min(0).max(65535)).min(1).max(16);

export const piperConfigSchema = z.object({
  audio: z.object({ sample_rate: z.number().int().min(8000).max(48000) }).loose(),
  espeak: z
    .object({ voice: z.string().min(1).max(40) })
    .loose()
    .optional(),
  inference: z
    .object({
      noise_scale: z.number().min(0).max(10).default(0.667),
      length_scale: z.number().positive().max(10).default(1),
      noise_w: z.number().min(0).max(10).default(0.8),
    })
    .loose()
    .default({ noise_scale: 0.667, length_scale: 1, noise_w: 0.8 }),
  /** 'espeak' (phonemes from eSpeak NG) or 'text' (the text's own characters); older exports write `PhonemeType.ESPEAK`. */
  phoneme_type: z
    .string()
    .default('espeak')
    .transform((t) => t.replace(/^PhonemeType\./i, '').toLowerCase())
    .pipe(z.enum(['espeak', 'text'])),
  phoneme_map: z.record(z.string(), z.array(z.string())).optional(),
  phoneme_id_map: z.record(z.string(), ids).refine((m) => Object.keys(m).length <= 4096, 'has more than 4096 phonemes'),
  num_speakers: z.number().int().min(1).max(100000).default(1),
  speaker_id_map: z
    .record(z.string(), z.number().int().min(0))
    .refine((m) => Object.keys(m).length <= 100000, 'has too many speakers')
    .default({}),
  language: z
    .object({ code: z.string().max(20).optional() })
    .loose()
    .optional(),
  dataset: z.string().max(200).optional(),
});
export type PiperConfig = z.infer<typeof piperConfigSchema>;

export class PiperConfigError extends Error {}

/** Parse and check a `.onnx.json`; the error names the first problem. */
export function parsePiperConfig(bytes: Uint8Array): PiperConfig {
  if (bytes.length > MAX_CONFIG_BYTES)
    throw new PiperConfigError(`the voice config is ${bytes.length} bytes (at most ${MAX_CONFIG_BYTES})`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new PiperConfigError(`the voice config is not valid JSON (${(e as Error).message})`);
  }
  const r = piperConfigSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new PiperConfigError(`the voice config is invalid at ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  const c = r.data;
  for (const sym of ['_', '^', '$']) {
    if (!c.phoneme_id_map[sym]) throw new PiperConfigError(`the voice config's phoneme_id_map has no "${sym}"`);
  }
  if (c.phoneme_type === 'espeak' && !c.espeak?.voice)
    throw new PiperConfigError('the voice config names no eSpeak NG voice (espeak.voice)');
  for (const [name, id] of Object.entries(c.speaker_id_map)) {
    if (id >= c.num_speakers)
      throw new PiperConfigError(`speaker "${name}" has id ${id}, but the voice has ${c.num_speakers} speakers`);
  }
  return c;
}

/** piper-phonemize's built-in phoneme maps (applied when the voice config has none): Brazilian Portuguese c → k. */
const DEFAULT_PHONEME_MAPS: Record<string, Record<string, string[]>> = { 'pt-br': { c: ['k'] } };

export interface PhonemeIds {
  ids: number[];
  /** Phonemes not in the voice's map (skipped), with how often. */
  missing: Map<string, number>;
  /** Phonemes that got ids (not counting BOS, pads and EOS). */
  phonemes: number;
}

/** One sentence's phoneme string → the ids Piper feeds its model. */
export function phonemesToIds(phonemes: string, config: PiperConfig): PhonemeIds {
  const map = config.phoneme_id_map;
  const phonemeMap =
    config.phoneme_map && Object.keys(config.phoneme_map).length > 0
      ? config.phoneme_map
      : DEFAULT_PHONEME_MAPS[config.espeak?.voice ?? ''];
  const pad = map._;
  const out: number[] = [...map['^'], ...pad];
  const missing = new Map<string, number>();
  let count = 0;
  for (const cp of phonemes) {
    for (const p of phonemeMap?.[cp] ?? [cp]) {
      const mapped = map[p];
      if (!mapped) {
        missing.set(p, (missing.get(p) ?? 0) + 1);
        continue;
      }
      out.push(...mapped, ...pad);
      count++;
    }
  }
  out.push(...map.$);
  return { ids: out, missing, phonemes: count };
}
