/**
 * The source-separation pack as the core sees it, without loading the inference runtime: its folder name, files,
 * sample rate, and whether a folder holds it. The engine is ./spleeter.ts (loaded in a worker thread only).
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

/** The pack id (native-models/catalog/separation.ts) and its folder under `<dataDir>/models`. */
export const SEPARATION_PACK_ID = 'spleeter-2stems';
export const SPLEETER_RATE = 44_100;
export const SPLEETER_FILES = { vocals: 'vocals.onnx', accompaniment: 'accompaniment.onnx' } as const;
export type Stem = keyof typeof SPLEETER_FILES;

/** Why the Spleeter pack in `dir` cannot be used (a missing file), or null when it can be loaded. */
export function spleeterUnavailableReason(dir: string): string | null {
  const missing = Object.values(SPLEETER_FILES).filter((f) => {
    const p = path.join(dir, f);
    return !existsSync(p) || !statSync(p).isFile();
  });
  return missing.length ? `The source-separation pack in ${dir} is missing ${missing.join(' and ')}.` : null;
}

/** The installed pack: `<dir>/spleeter-2stems/` for the first models folder that has it, else undefined. */
export function findSeparationPack(modelsDirs: readonly string[]): string | undefined {
  for (const d of modelsDirs) {
    const dir = path.join(d, SEPARATION_PACK_ID);
    if (!spleeterUnavailableReason(dir)) return dir;
  }
  return undefined;
}

/** The message when `--background separate` is asked for without the pack. */
export const SEPARATION_PACK_MISSING = `Separating the voice from the background needs the source-separation model pack "${SEPARATION_PACK_ID}" (Spleeter vocals/accompaniment, 79 MB), which is not installed: install it (Models in the app, or \`timbre models download ${SEPARATION_PACK_ID}\`), or use ducking (the default) or centre cancellation.`;
