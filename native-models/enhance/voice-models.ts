/**
 * Finding and loading the models the voice clean-up needs (Silero VAD, GTCRN) from installed model packs.
 *
 * A pack lives in `<modelsDir>/<packId>/` (see native-models/packs). Callers pass the folders to search in order, e.g.
 * `[process.env.TIMBRE_MODELS_DIR, <dataDir>/models]`; the first folder that holds the pack's file wins.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../common/errors.js';
import { SileroVad } from '../vad/silero-vad.js';
import type { VoiceAudioDeps } from './cleanup.js';
import { GtcrnDenoiser } from './gtcrn.js';
import { assertPackIntact } from '../packs/integrity.js';

export const VOICE_MODEL_FILES = {
  'silero-vad': { file: 'silero_vad.onnx', name: 'Silero VAD (voice activity detection)' },
  gtcrn: { file: 'gtcrn.onnx', name: 'GTCRN (denoiser)' },
} as const;
export type VoiceModelPack = keyof typeof VOICE_MODEL_FILES;

/** Path of a pack's model file in the first folder that has it, or null. */
export function locateVoiceModel(pack: VoiceModelPack, modelsDirs: readonly string[]): string | null {
  for (const dir of modelsDirs) {
    const p = path.join(dir, pack, VOICE_MODEL_FILES[pack].file);
    if (!existsSync(p)) continue;
    // A pack whose files changed size since installation is not used (ENGINE_UNAVAILABLE naming the file).
    assertPackIntact(path.join(dir, pack), pack);
    return p;
  }
  return null;
}

/** The ENGINE_UNAVAILABLE error for missing packs: which, where Timbre looked, and how to install them. */
export function missingModelsError(packs: VoiceModelPack[], modelsDirs: readonly string[]): ApiError {
  const many = packs.length > 1;
  const list = packs.map((p) => `"${p}" (${VOICE_MODEL_FILES[p].name})`).join(' and ');
  const install = packs.map((p) => `timbre models download ${p}`).join(' and ');
  return new ApiError(
    'ENGINE_UNAVAILABLE',
    `The model pack${many ? 's' : ''} ${list} ${many ? 'are' : 'is'} not installed (looked in ${modelsDirs.join(', ') || 'no folder'}). ` +
      `Install ${many ? 'them' : 'it'} with: ${install} (or "timbre models import <folder>" on a machine without ` +
      'internet, or the Models view in the studio).',
    { missingPacks: packs },
  );
}

/** Load the VAD (always) and the denoiser (when asked for); throws a specific error naming every missing pack. */
export async function loadVoiceAudioDeps(
  modelsDirs: readonly string[],
  opts: { denoiser?: boolean } = {},
): Promise<VoiceAudioDeps & { dispose(): Promise<void> }> {
  const dirs = modelsDirs.filter(Boolean);
  const vadPath = locateVoiceModel('silero-vad', dirs);
  const gtcrnPath = opts.denoiser ? locateVoiceModel('gtcrn', dirs) : null;
  const missing: VoiceModelPack[] = [];
  if (!vadPath) missing.push('silero-vad');
  if (opts.denoiser && !gtcrnPath) missing.push('gtcrn');
  if (missing.length) throw missingModelsError(missing, dirs);
  const vad = await SileroVad.load(vadPath!);
  let denoiser: GtcrnDenoiser | undefined;
  try {
    if (gtcrnPath) denoiser = await GtcrnDenoiser.load(gtcrnPath);
  } catch (err) {
    await vad.dispose();
    throw err;
  }
  return {
    vad,
    denoiser,
    async dispose() {
      await vad.dispose();
      await denoiser?.dispose();
    },
  };
}
